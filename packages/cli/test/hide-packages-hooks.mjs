/** Module resolution hooks that make some packages fail as Node.js fails for a missing one. */
let hidden = [];

export function initialize(data) {
  hidden = data.hidden;
}

export async function resolve(specifier, context, next) {
  if (!hidden.includes(specifier)) return next(specifier, context);
  const error = new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`);
  error.code = 'ERR_MODULE_NOT_FOUND';
  throw error;
}
