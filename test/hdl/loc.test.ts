import { expect, test } from 'vitest';
import { Module, In, Out, UInt, Reg, generate } from '../../generator';

class LocProbe extends Module {
  readonly io;
  constructor() {
    super();
    this.io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
  }
  protected build(): void {
    const held = Reg(UInt(4), { init: 0 });
    held.set(this.io.a);
    this.io.y.set(held);
  }
}

test('locators and names come from the TypeScript source under vitest', () => {
  const text = generate(new LocProbe()).modules[0]!.text;
  expect(text).toContain('reg [3:0] held; // @[test/hdl/loc.test.ts:11]');
  expect(text).toContain('held <= a; // @[test/hdl/loc.test.ts:12]');
});
