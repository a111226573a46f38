import { createContext, useContext } from 'react';
import type { RendererApi } from '../../../electron/shared/contract';

export const ApiContext = createContext<RendererApi | null>(null);

/** The contract client for components; tests provide a fake through ApiContext. */
export function useApi(): RendererApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi needs an <ApiContext.Provider>.');
  return api;
}
