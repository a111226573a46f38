// The entry of the file agent's utility process (fs-agent-launcher.ts starts it): out/main/fs-agent.js.
import { runFsAgent, type ParentPort } from './fs-agent-launcher';

runFsAgent((process as unknown as { parentPort: ParentPort }).parentPort);
