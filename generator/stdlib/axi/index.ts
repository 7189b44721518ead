/** AXI4 / AXI4-Lite bundles and helpers. */
export * from './bundles';
export * from './lite';
export * from './regmap';
export * from './channels';
