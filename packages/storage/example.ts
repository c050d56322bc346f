// The README's example. Run: npx tsx --conditions=source packages/storage/example.ts [file]
import { DELETE, QuotaLedger, commitWithQuota, key, keyPrefix, memoryStorage } from "@threadspace/storage";
import { fileStorage } from "@threadspace/storage/file";

const storage = process.argv[2] === "file" ? fileStorage({ dir: ".threadspace-demo" }) : memoryStorage();

// One commit = one plugin call's writes: all of them are stored, or none.
await storage.commit([
  { store: "kv", key: key("hello", "greeting"), value: { text: "Hi", bytes: new Uint8Array([1, 2, 3]) } },
  { store: "kv", key: key("hello", "count"), value: 1 },
  { store: "memories", key: "m1", value: { id: "m1", content: "first", tags: ["demo"], createdAt: 1, updatedAt: 1, owner: "hello" } },
]);
await storage.commit([{ store: "kv", key: key("hello", "count"), value: DELETE }]);

console.log(await storage.get("kv", key("hello", "greeting"))); // { text: 'Hi', bytes: Uint8Array(3) [ 1, 2, 3 ] }
console.log((await storage.scan("kv", { prefix: keyPrefix("hello") })).map((e) => e.key)); // [ 'hello\x00greeting' ]

// Per-plugin quota, checked before the commit: over it, nothing is written and earlier data stays.
const quota = await QuotaLedger.load(storage, { limitBytes: 1024 });
try {
  await commitWithQuota(storage, quota, [{ store: "kv", key: key("hello", "big"), value: "x".repeat(2000) }]);
} catch (error) {
  console.log((error as { code: string }).code); // quota_exceeded
}
await storage.close();
