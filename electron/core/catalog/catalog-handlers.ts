import type { CoreHandlers } from '../../shared/contract';
import type { CatalogService } from './catalog-service';

type CatalogMethods = 'openCatalog';

/** The catalog's methods of the contract (ARCHITECTURE §6). */
export function catalogHandlers(catalog: CatalogService): Pick<CoreHandlers, CatalogMethods> {
  return {
    openCatalog: async (args) => catalog.open(args?.folder),
  };
}
