import { useSyncExternalStore } from 'react';
import { EMPTY_STATE as EMPTY, type ClientState, type EngineClient } from './engine-client';
const noSubscribe = () => () => undefined;
const noVersion = () => -1;

/** Re-renders when the worker delivers a frame; the store's snapshot is a version number. */
export function useClientState(client: EngineClient | null): ClientState {
  useSyncExternalStore(client?.subscribe ?? noSubscribe, client?.getVersion ?? noVersion);
  return client?.current ?? EMPTY;
}
