// runtime/core must load inside QuickJS: it may import only its own modules, and must not
// touch Node's globals.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '../../runtime/core');

describe('runtime/core', () => {
  const files = readdirSync(coreDir).filter(f => f.endsWith('.ts'));
  it('has modules to check', () => expect(files.length).toBeGreaterThan(5));
  for (const f of files) {
    it(`${f} imports only sibling core modules and no Node globals`, () => {
      const src = readFileSync(join(coreDir, f), 'utf8');
      const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/(['"`])(?:\\.|(?!\1).)*\1/g, m => (/^['"]\.\//.test(m) ? m : '""'));
      const imports = [...src.matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)].map(m => m[1]!);
      for (const spec of imports) expect(spec, `${f} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
      expect(src, `${f} uses require`).not.toMatch(/\brequire\s*\(/);
      expect(src, `${f} uses dynamic import`).not.toMatch(/\bimport\s*\(/);
      for (const g of ['process', 'Buffer', '__dirname', '__filename', 'setImmediate']) {
        expect(new RegExp(`\\b${g}\\b`).test(code), `${f} uses the Node global ${g}`).toBe(false);
      }
    });
  }
});
