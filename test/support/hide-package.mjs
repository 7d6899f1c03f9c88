// Makes one package look uninstalled (GPUBOT_HIDE_PACKAGE names it), to start gpubot as a production
// install runs it: `npm ci --omit=dev` leaves the development dependencies out. Plain JavaScript because
// Node may run module hooks off the main thread, before tsx could compile them.
import module from 'node:module';

const hidden = process.env.GPUBOT_HIDE_PACKAGE;

function isHidden(specifier) {
  return hidden !== undefined && hidden !== '' && (specifier === hidden || specifier.startsWith(hidden + '/'));
}

function notFound(specifier) {
  const error = new Error(`Cannot find package '${specifier}' (hidden: not in a production install)`);
  error.code = 'ERR_MODULE_NOT_FOUND';
  return error;
}

/** The off-thread form, for Node 20 (module.register); newer Nodes take the in-thread hooks below. */
export async function resolve(specifier, context, next) {
  if (isHidden(specifier)) throw notFound(specifier);
  return next(specifier, context);
}

if (typeof module.registerHooks === 'function') {
  // Node >= 22.15: synchronous hooks on this thread (module.register is deprecated from Node 25).
  module.registerHooks({
    resolve(specifier, context, next) {
      if (isHidden(specifier)) throw notFound(specifier);
      return next(specifier, context);
    },
  });
} else if (!('hidePackageHooks' in globalThis)) {
  // The hooks thread imports this file too; only the main thread registers.
  globalThis.hidePackageHooks = true;
  module.register(import.meta.url);
}
