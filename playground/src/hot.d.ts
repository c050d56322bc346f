/** The part of Vite's `import.meta.hot` the page uses (undefined outside the dev server). */
interface ImportMeta {
  readonly hot?: { on(event: string, listener: (data: unknown) => void): void };
}
