// What the host passes to a native stdlib module's create().
import type { rt as Runtime, objects as Objects } from '../runtime/core/index.js';
import type { MainHost } from '../runtime/hosts/main.js';

export interface StdlibContext {
  rt: typeof Runtime;
  objects: typeof Objects;
  host: MainHost;
  builtins: Record<string, unknown>;
}
