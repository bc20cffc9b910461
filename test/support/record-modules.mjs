// Preloaded with `node --import` in tests: appends the URL of every module the process resolves
// (ESM imports, including packages imported from ESM) to the file named by MPHEAP_MODULE_LOG.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.MPHEAP_MODULE_LOG) appendFileSync(process.env.MPHEAP_MODULE_LOG, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
