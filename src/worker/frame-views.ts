// What of each process a frame carries: what the topology's cards and the page's panels read every
// frame, and no more (issue 7: a frame under 100 KB at 30 brokers and 1,000 partitions). The
// process the page inspects (EngineHost.setInspectedProcess) travels whole, so the inspect panel
// shows every detail; the others leave out detail only the inspect panel reads:
//   - a standby controller's `registrations` and `leaderCounts` (2.4 KB each at 30 brokers): the
//     cards' registration chips read the active controller's (kraft.ts `authoritativeController`);
//     while no controller is active every controller keeps them, as the page then picks the one
//     that applied the most;
//   - a broker's `coordinator` (the groups it coordinates, with members);
//   - a broker's `consumerFetch` figures (fetches served, parked, held back: ~120 bytes each, read
//     only by the inspect panel's fetch rows);
//   - a broker's `disk` queue while it is quiet (not degraded, nothing queued): its card and the
//     actions read only `degraded`, and an absent queue reads as not degraded.
//
// Pure: never changes the views it is given (it copies what it trims), never reads the engine.

import type { ProcessSnapshot } from '../engine/api';

/** `processes` as a frame carries them; `whole` (the inspected process's id) is left whole. */
export function framedProcesses(processes: readonly ProcessSnapshot[], whole: string | null): ProcessSnapshot[] {
  const someActive = processes.some((process) => process.view?.controller?.active === true);
  return processes.map((process) => {
    const view = process.view;
    if (view === null || process.id === whole) return process;
    if (view.controller !== undefined) {
      if (!someActive || view.controller.active || view.controller.registrations.length === 0) return process;
      return { ...process, view: { ...view, controller: { ...view.controller, registrations: [], leaderCounts: {} } } };
    }
    const quietDisk = view.disk !== undefined && !view.disk.degraded && view.disk.queuedWrites === 0;
    if (view.coordinator === undefined && view.consumerFetch === undefined && !quietDisk) return process;
    const { coordinator: _coordinator, consumerFetch: _consumerFetch, disk, ...rest } = view;
    return { ...process, view: quietDisk || disk === undefined ? rest : { ...rest, disk } };
  });
}
