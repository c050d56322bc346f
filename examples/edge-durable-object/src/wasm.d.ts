/** `.wasm` imports: wrangler's CompiledWasm rule makes each a compiled module. */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
