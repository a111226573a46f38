import type { CoreHandlers } from '../../shared/contract';
import type { CatalogService } from './catalog-service';

type CatalogMethods =
  | 'openCatalog'
  | 'listArchiveItems'
  | 'previewArchiveItem'
  | 'getArchiveItemContent'
  | 'restoreArchiveItems'
  | 'findItemVersions';

/** The catalog's methods of the contract (ARCHITECTURE §6): find a backup, browse it, restore items. */
export function catalogHandlers(catalog: CatalogService): Pick<CoreHandlers, CatalogMethods> {
  return {
    openCatalog: async (args) => catalog.openSource(args ?? {}),
    listArchiveItems: async ({ file, prefix, filter }) => catalog.listItems(file, { prefix, filter }),
    previewArchiveItem: async ({ file, path }) => catalog.previewItem(file, path),
    getArchiveItemContent: async ({ file, path }) => catalog.itemContent(file, path),
    restoreArchiveItems: async ({ file, ...request }) => catalog.restoreItems(file, request),
    findItemVersions: async (args) => catalog.findItemVersions(args),
  };
}
