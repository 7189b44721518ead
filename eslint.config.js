// ESLint (npm run lint): typescript-eslint's recommended rules, plus
// strict-boolean-expressions, which refuses a hardware value (an object) used
// as a JavaScript condition: `if (io.a.eq(3))` is the JS-`if` trap (docs/DSL.md).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'docs/api/**', 'rtl/**/*.{v,f,json,h,core,sv}', '.cache/**', 'bench/results/**', 'test/lint/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Objects (a hardware value) are never a condition; optional flags and names may be tested for presence.
      '@typescript-eslint/strict-boolean-expressions': ['error', { allowNullableBoolean: true, allowNullableString: true }],
    },
  },
);
