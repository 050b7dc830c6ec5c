import { expect, test } from "bun:test";
import { assemble } from "../../hub/storage/s3";

const K = "cam/partial/c1.part";
const chunk = (offset: number, size: number) => ({ key: `${K}~chunks/${String(offset).padStart(15, "0")}`, size });

test("an object is its whole part and then the chain of chunks, each starting where the last ended", () => {
  expect(assemble(K, [])).toBeNull();
  expect(assemble(K, [chunk(0, 10), chunk(10, 5), chunk(15, 7)])!.map((p) => [p.start, p.size])).toEqual([[0, 10], [10, 5], [15, 7]]);
  expect(assemble(K, [{ key: K, size: 4 }, chunk(4, 6)])!.map((p) => [p.key === K, p.start, p.size])).toEqual([[true, 0, 4], [false, 4, 6]]);
  expect(assemble(K, [{ key: K, size: 0 }])).toEqual([{ key: K, start: 0, size: 0 }]);
});

test("chunks off the chain (a gap, an overlap, an empty chunk, another key's) are not part of the object", () => {
  const listed = [chunk(0, 10), chunk(5, 10), chunk(10, 0), chunk(25, 5), { key: "cam/partial/c1.part2~chunks/000000000000010", size: 3 }];
  expect(assemble(K, listed)!.map((p) => [p.start, p.size])).toEqual([[0, 10]]);
  // Chunks with nothing at 0 are no object at all.
  expect(assemble(K, [chunk(10, 5)])).toBeNull();
});
