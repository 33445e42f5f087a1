import { useSyncExternalStore } from 'react';
import type { ClientState, EngineClient } from './engine-client';
import { EMPTY_LOG } from './kraft';
import { EMPTY_CHART_DATA } from './series-store';

const EMPTY: ClientState = { frame: null, log: [], trace: [], moments: [], metadataLog: EMPTY_LOG, series: EMPTY_CHART_DATA, largestFrameBytes: 0 };
const noSubscribe = () => () => undefined;
const noVersion = () => -1;

/** Re-renders when the worker delivers a frame; the store's snapshot is a version number. */
export function useClientState(client: EngineClient | null): ClientState {
  useSyncExternalStore(client?.subscribe ?? noSubscribe, client?.getVersion ?? noVersion);
  return client?.current ?? EMPTY;
}
