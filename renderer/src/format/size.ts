// One way of writing sizes for the Control Panel and the CLI alike.
export { formatProgress, formatSize } from '../../../electron/shared/format-size';
