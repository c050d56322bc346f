// @threadspace/pdk-as entry point (asc resolves `import ... from "@threadspace/pdk-as"` to this file).
export * from "./assembly/pdk";
