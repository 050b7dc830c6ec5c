/**
 * The ffmpeg command lines of a render (hub/timelapses/ffmpeg.ts): pure
 * builders and parsers, no ffmpeg run.
 */
import { describe, expect, test } from "bun:test";
import { DEFLICKER_WINDOW, deflickerCommands, framesEncoded, plainArgs, posterArgs, type RenderSettings, renderArgs } from "../../hub/timelapses/ffmpeg";

/** deflickerCommands' lines as [time, target, stops]. */
function parse(commands: string): { at: number; target: string; stops: number }[] {
  return commands.split("\n").map((line) => {
    const m = /^(\d+\.\d{6}) (\S+) exposure (-?\d+\.\d{4});$/.exec(line);
    if (!m) throw new Error(`not a command line: '${line}'`);
    return { at: Number(m[1]), target: m[2]!, stops: Number(m[3]) };
  });
}

describe("deflickerCommands", () => {
  test("one command per frame, sent half a frame before it (the first at 0), to the named filter", () => {
    const lumas = [100, 110, 95, 105, 100, 98, 102];
    const lines = parse(deflickerCommands(lumas, 24, "exposure@t0"));
    expect(lines).toHaveLength(lumas.length);
    expect(lines[0]!.at).toBe(0);
    for (let n = 1; n < lines.length; n++) expect(lines[n]!.at).toBeCloseTo((n - 0.5) / 24, 6);
    expect(lines.every((l) => l.target === "exposure@t0")).toBe(true);
    expect(parse(deflickerCommands([100, 100, 100], 30, "exposure@t2")).map((l) => l.at)).toEqual([0, Number((0.5 / 30).toFixed(6)), Number((1.5 / 30).toFixed(6))]);
  });

  test("a flickering sequence gets corrections of opposite sign on bright and dark frames", () => {
    const lumas = Array.from({ length: 20 }, (_, i) => (i % 2 ? 140 : 100));
    const lines = parse(deflickerCommands(lumas, 24, "exposure@t0"));
    for (let n = 2; n < 18; n++) {
      if (n % 2) expect(lines[n]!.stops).toBeLessThan(-0.1);
      else expect(lines[n]!.stops).toBeGreaterThan(0.1);
    }
    // Applied, the corrections pull each frame close to its neighbours.
    const corrected = lumas.map((y, n) => y * 2 ** lines[n]!.stops);
    for (let n = 3; n < 17; n++) expect(Math.abs(Math.log2(corrected[n]! / corrected[n - 1]!))).toBeLessThan(0.1);
  });

  test("a steady trend (a sunset darkening) is kept: corrections ~0", () => {
    const lumas = Array.from({ length: 30 }, (_, i) => 200 * 2 ** (-i / 8));
    for (const l of parse(deflickerCommands(lumas, 24, "exposure@t0"))) expect(Math.abs(l.stops)).toBeLessThan(0.001);
    // Steady: nothing at all.
    for (const l of parse(deflickerCommands(Array(12).fill(90), 24, "exposure@t0"))) expect(Math.abs(l.stops)).toBeLessThan(0.0001);
  });

  test("corrections are clamped to ±3 stops (ffmpeg's exposure filter range)", () => {
    const dark = parse(deflickerCommands([200, 200, 200, 200, 0.01, 200, 200, 200, 200], 24, "x"));
    expect(dark[4]!.stops).toBe(3);
    const bright = parse(deflickerCommands([1, 1, 1, 1, 255, 1, 1, 1, 1], 24, "x"));
    expect(bright[4]!.stops).toBe(-3);
    for (const l of [...dark, ...bright]) expect(Math.abs(l.stops)).toBeLessThanOrEqual(3);
  });

  test("frames without a measured luma take the nearest earlier one (the first known before any)", () => {
    expect(deflickerCommands([null, 80, null, 120, null, null], 24, "x")).toBe(deflickerCommands([80, 80, 80, 120, 120, 120], 24, "x"));
    // None measured at all: mid-grey everywhere, no correction.
    for (const l of parse(deflickerCommands([null, null, null], 24, "x"))) expect(l.stops).toBe(0);
  });

  test("the window: a wider one reaches further", () => {
    // A single dip at frame 5: outside frame 3's window of 3; inside frame 5's window of 11.
    const lumas = [100, 100, 100, 100, 100, 10, 100, 100, 100, 100, 100];
    expect(parse(deflickerCommands(lumas, 24, "x", 3))[3]!.stops).toBe(0);
    expect(parse(deflickerCommands(lumas, 24, "x", 11))[5]!.stops).toBeGreaterThan(0);
    expect(DEFLICKER_WINDOW % 2).toBe(1);
  });
});

const base: RenderSettings = { fps: 30, crf: 23, deflicker: "none", tile: { width: 640, height: 360 }, cols: 1, output: "/tmp/out.mp4" };

/** The value after `flag` in the argument list. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const graph = (args: string[]) => after(args, "-filter_complex")!;

describe("renderArgs", () => {
  test("one camera: H.264, yuv420p, +faststart, the crf and frame rate asked, progress on stdout, the output last", () => {
    const args = renderArgs([{ dir: "/w/t0" }], base);
    expect(after(args, "-c:v")).toBe("libx264");
    expect(after(args, "-pix_fmt")).toBe("yuv420p");
    expect(after(args, "-movflags")).toBe("+faststart");
    expect(after(args, "-crf")).toBe("23");
    expect(after(args, "-r")).toBe("30");
    expect(after(args, "-framerate")).toBe("30");
    expect(after(args, "-i")).toBe("/w/t0/f%06d.jpg");
    expect(after(args, "-start_number")).toBe("0");
    expect(after(args, "-progress")).toBe("pipe:1");
    expect(after(args, "-map")).toBe("[v0]");
    expect(args).toContain("-an");
    expect(args).toContain("-y");
    expect(args.at(-1)).toBe("/tmp/out.mp4");
    const g = graph(args);
    expect(g).toStartWith("[0:v]");
    expect(g).toContain("scale=640:360:force_original_aspect_ratio=decrease");
    expect(g).toContain("pad=640:360:(ow-iw)/2:(oh-ih)/2");
    expect(g).toContain("format=yuv420p");
    expect(g).not.toContain("xstack");
    // No deflicker unless asked.
    expect(g).not.toContain("deflicker");
    expect(g).not.toContain("sendcmd");
    expect(g).not.toContain("exposure");
  });

  test("other fps and crf go where they belong", () => {
    const args = renderArgs([{ dir: "/w/t0" }], { ...base, fps: 12, crf: 35 });
    expect(after(args, "-crf")).toBe("35");
    expect(after(args, "-r")).toBe("12");
    expect(after(args, "-framerate")).toBe("12");
  });

  test("three cameras on a 2×2 grid: three inputs, each scaled to the tile, stacked by xstack with the fourth cell black", () => {
    const tiles = [{ dir: "/w/t0" }, { dir: "/w/t1" }, { dir: "/w/t2" }];
    const args = renderArgs(tiles, { ...base, cols: 2 });
    expect(args.filter((a) => a === "-i")).toHaveLength(3);
    expect(args.filter((a) => a.endsWith("f%06d.jpg"))).toEqual(["/w/t0/f%06d.jpg", "/w/t1/f%06d.jpg", "/w/t2/f%06d.jpg"]);
    const g = graph(args);
    for (const i of [0, 1, 2]) expect(g).toContain(`[${i}:v]scale=640:360`);
    expect(g).toContain("[v0][v1][v2]xstack=inputs=3:layout=0_0|640_0|0_360:fill=black[grid]");
    expect(after(args, "-map")).toBe("[grid]");
  });

  test("a 3-column grid lays tiles out row by row", () => {
    const tiles = Array.from({ length: 5 }, (_, i) => ({ dir: `/w/t${i}` }));
    expect(graph(renderArgs(tiles, { ...base, cols: 3, tile: { width: 100, height: 50 } }))).toContain("layout=0_0|100_0|200_0|0_50|100_50:fill=black");
  });

  test("ffmpeg's deflicker: its filter on every tile", () => {
    const g = graph(renderArgs([{ dir: "/a" }, { dir: "/b" }], { ...base, cols: 2, deflicker: "ffmpeg" }));
    expect(g.match(/deflicker=size=9:mode=am/g)).toHaveLength(2);
    expect(g).not.toContain("sendcmd");
  });

  test("the rolling deflicker: each tile reads its own command file into its own exposure filter; without one it refuses", () => {
    const g = graph(renderArgs([{ dir: "/a", commands: "/a/cmds.txt" }, { dir: "/b", commands: "/b/cmds.txt" }], { ...base, cols: 2, deflicker: "rolling" }));
    expect(g).toContain("sendcmd=f='/a/cmds.txt',exposure@t0=exposure=0");
    expect(g).toContain("sendcmd=f='/b/cmds.txt',exposure@t1=exposure=0");
    expect(g).not.toContain("deflicker=");
    expect(() => renderArgs([{ dir: "/a" }], { ...base, deflicker: "rolling" })).toThrow(/command file/);
  });

  test("the command file's target names the tile's exposure filter", () => {
    const commands = deflickerCommands([100, 120, 100], 30, "exposure@t1");
    const g = graph(renderArgs([{ dir: "/a", commands: "/a/c" }, { dir: "/b", commands: "/b/c" }], { ...base, cols: 2, deflicker: "rolling" }));
    expect(g).toContain(parse(commands)[0]!.target);
  });
});

describe("plainArgs and posterArgs", () => {
  test("plain: the same encoder settings, no filters", () => {
    const args = plainArgs("/w", 24, 20, "/o.mp4");
    expect(after(args, "-c:v")).toBe("libx264");
    expect(after(args, "-pix_fmt")).toBe("yuv420p");
    expect(after(args, "-movflags")).toBe("+faststart");
    expect(after(args, "-crf")).toBe("20");
    expect(args).not.toContain("-filter_complex");
    expect(args.at(-1)).toBe("/o.mp4");
  });

  test("poster: one frame from the middle of the video", () => {
    const args = posterArgs("/v.mp4", 48, 24, "/p.jpg");
    expect(after(args, "-ss")).toBe("1.000");
    expect(after(args, "-i")).toBe("/v.mp4");
    expect(after(args, "-frames:v")).toBe("1");
    expect(args.at(-1)).toBe("/p.jpg");
    expect(after(posterArgs("/v.mp4", 1, 24, "/p.jpg"), "-ss")).toBe("0.000");
  });
});

describe("framesEncoded", () => {
  const block = (frame: number, progress = "continue") => `frame=${frame}\nfps=25.00\nstream_0_0_q=28.0\nbitrate=N/A\ntotal_size=48\nout_time_us=0\ndup_frames=0\ndrop_frames=0\nspeed=N/A\nprogress=${progress}\n`;

  test("the latest frame= in a chunk", () => {
    expect(framesEncoded(block(12))).toBe(12);
    expect(framesEncoded(block(12) + block(40) + block(96, "end"))).toBe(96);
  });

  test("null when the chunk has no frame= line (dup_frames and drop_frames are not it)", () => {
    expect(framesEncoded("")).toBeNull();
    expect(framesEncoded("fps=25.00\ndup_frames=3\ndrop_frames=7\nprogress=continue\n")).toBeNull();
  });

  test("a last frame= line without its newline counts (render.ts hands over whole lines); other keys ending in frame= and non-numbers do not", () => {
    expect(framesEncoded("progress=continue\nframe=1")).toBe(1);
    expect(framesEncoded("xframe=5\n")).toBeNull();
    expect(framesEncoded("frame=abc\n")).toBeNull();
  });
});
