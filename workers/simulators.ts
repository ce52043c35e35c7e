import { RUNS_COMPILED } from '../platform/paths';

/**
 * The compiled build (npm run build, the production image) leaves the provider simulators out,
 * so `demo` and `up --sandbox` cannot load them there. This turns that import failure into the
 * next step; any other error is returned as it was.
 */
export function explainMissingSimulators(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (RUNS_COMPILED && e?.code === 'ERR_MODULE_NOT_FOUND' && /[\\/]sandbox[\\/]|sandboxes\.js/.test(e.message ?? '')) {
    return new Error(
      'the provider simulators are not in the compiled build (the production image runs real providers only): run `npm run demo` or `linehouse up --sandbox` from a source checkout',
    );
  }
  return err;
}
