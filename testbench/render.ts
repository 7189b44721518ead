/**
 * Renders the C++ harness templates in testbench/templates/. Every file in
 * templates/partials/NAME.hbs is registered as the handlebars partial NAME, so
 * later harnesses (AXI memory model, protocol checker, AXI-Lite master) reuse
 * the port binding and hex I/O code: `{{> tcast_io}}`, `{{> tcast_ports}}`.
 *
 * Context for tcast_ports: { top, ports: [{ name, width, dir, wide }] }.
 */
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

let hb: typeof Handlebars | undefined;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function env(): typeof Handlebars {
  if (hb) return hb;
  const h = Handlebars.create();
  h.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const dir = join(TEMPLATE_DIR, 'partials');
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.hbs')) h.registerPartial(f.slice(0, -4), readFileSync(join(dir, f), 'utf8'));
  }
  hb = h;
  return h;
}

/** Renders templates/NAME (e.g. "vector_harness.cpp.hbs") with the context. */
export function renderTemplate(name: string, context: object): string {
  let t = compiled.get(name);
  if (!t) {
    t = env().compile(readFileSync(join(TEMPLATE_DIR, name), 'utf8'), { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t(context);
}

/** The context the shared partials expect for one port. */
export interface TemplatePort {
  name: string;
  width: number;
  dir: 'input' | 'output';
  /** More than 64 bits: a VlWide in the Verilated model. */
  wide: boolean;
}
