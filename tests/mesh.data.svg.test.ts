/** meshToSvg: a self-contained SVG of a mesh coloured by a vertex scalar. */
import { describe, expect, it } from "vitest";
import { meshToSvg, viridis } from "../src/domains/mesh/svg.js";
import { loadBunny } from "../src/node/mesh_datasets.js";

describe("meshToSvg", () => {
  it("draws the front half of the bunny far to near, coloured by height, with a colour bar", () => {
    const bunny = loadBunny();
    const y = Array.from({ length: bunny.numVertices }, (_, v) => bunny.positions[3 * v + 1]!);
    const svg = meshToSvg(bunny, { values: y, title: "bunny <height>", label: "y" });
    expect(svg.startsWith("<svg xmlns=")).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(svg).toContain("bunny &lt;height&gt;");
    const polys = svg.match(/<polygon /g)?.length ?? 0;
    // back faces culled: about half of the 3674 triangles remain
    expect(polys).toBeGreaterThan(1200);
    expect(polys).toBeLessThan(2600);
    expect(svg).toContain('id="cbar"');
    expect(svg).not.toMatch(/NaN|Infinity|<script/);
    const all = meshToSvg(bunny, { cull: false, shade: false });
    expect(all.match(/<polygon /g)?.length).toBe(3674);
    expect(() => meshToSvg(bunny, { values: [1, 2] })).toThrow(/one value per vertex \(1839\)/);
    expect(meshToSvg(bunny, { marks: [0, 5] }).match(/<circle /g)?.length).toBe(2);
    expect(() => meshToSvg(bunny, { marks: [1839] })).toThrow(/marks/);
  });

  it("viridis runs from dark purple to yellow and clamps", () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
  });
});
