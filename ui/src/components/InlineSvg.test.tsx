// The chart sanitizer keeps drawings and drops anything that could run or load.
import { describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { cleanSvg, InlineSvg } from "./InlineSvg";

const CHART = '<svg width="100" height="50" viewBox="0 0 100 50" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="100" height="50" fill="#171E26"/><polyline fill="none" stroke="#58A6FF" points="0,10 50,20"/><text x="5" y="5" font-size="12">CPU (%)</text></svg>';

describe("InlineSvg", () => {
  it("keeps shapes, text and their drawing attributes", () => {
    const svg = cleanSvg(CHART)!;
    expect(svg.querySelector("polyline")!.getAttribute("points")).toBe("0,10 50,20");
    expect(svg.querySelector("polyline")!.getAttribute("fill")).toBe("none");
    expect(svg.querySelector("text")!.textContent).toBe("CPU (%)");
    expect(svg.getAttribute("viewBox")).toBe("0 0 100 50");
  });

  it("drops scripts, foreign content, links and event handlers", () => {
    const hostile =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">' +
      '<script>alert(2)</script><foreignObject><div>x</div></foreignObject>' +
      '<a xlink:href="javascript:alert(3)"><rect width="1" height="1"/></a>' +
      '<rect width="2" height="2" onclick="alert(4)" style="fill:url(https://evil.example/x)"/>' +
      '<image href="https://evil.example/i.png"/></svg>';
    const svg = cleanSvg(hostile)!;
    const markup = svg.outerHTML;
    for (const bad of ["script", "foreignObject", "onload", "onclick", "javascript", "evil.example", "<a", "<image"]) {
      expect(markup).not.toContain(bad);
    }
    expect(svg.querySelectorAll("rect").length).toBe(1);
  });

  it("refuses what is not SVG and shows nothing", () => {
    expect(cleanSvg("<html><body>hi</body></html>")).toBeNull();
    expect(cleanSvg("not xml <")).toBeNull();
    const { container } = render(<InlineSvg svg="<p>nope</p>" label="CPU" />);
    expect(container.querySelector("svg")).toBeNull();
    expect(container.querySelector("[role=img]")!.getAttribute("aria-label")).toBe("CPU");
  });

  it("replaces the drawing when the chart changes, keeping one", () => {
    const { container, rerender } = render(<InlineSvg svg={CHART} label="CPU" />);
    rerender(<InlineSvg svg={CHART.replace("0,10 50,20", "0,30 50,40")} label="CPU" />);
    expect(container.querySelectorAll("svg").length).toBe(1);
    expect(container.querySelector("polyline")!.getAttribute("points")).toBe("0,30 50,40");
  });
});
