// A chart the core drew (plotters SVG) placed in the page as SVG elements, not as an image:
// WebKit keeps every distinct image URL in its memory cache, so a dashboard redrawn 4 times a
// second from `data:` URLs grew by hundreds of MB a minute. The document is parsed as XML and
// only plain drawing elements and attributes are kept (no script, no foreign content, no event
// handlers, no links); the page's CSP forbids inline scripts besides.
import { useLayoutEffect, useRef } from "react";

const ELEMENTS = new Set(["svg", "g", "rect", "line", "polyline", "polygon", "path", "circle", "ellipse", "text", "tspan", "defs", "clipPath"]);
const ATTRIBUTE = /^(?:[xy][12]?|c[xy]|r[xy]?|d|points|width|height|viewBox|fill|stroke|stroke-width|stroke-opacity|fill-opacity|opacity|font-family|font-size|font-weight|text-anchor|dominant-baseline|transform|clip-path|id|xmlns|version|style)$/;

/** The drawing of `svg` with everything but shapes and text removed; null if it is not SVG. */
export function cleanSvg(svg: string): SVGSVGElement | null {
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg" || doc.getElementsByTagName("parsererror").length > 0) return null;
  const walk = (element: Element) => {
    for (const child of Array.from(element.children)) {
      if (!ELEMENTS.has(child.nodeName)) child.remove();
      else walk(child);
    }
    for (const attribute of Array.from(element.attributes)) {
      const unsafeStyle = attribute.name === "style" && /url\(|expression|@import/i.test(attribute.value);
      if (!ATTRIBUTE.test(attribute.name) || unsafeStyle) element.removeAttribute(attribute.name);
    }
  };
  walk(root);
  return document.importNode(root, true) as unknown as SVGSVGElement;
}

export function InlineSvg({ svg, label, className }: { svg: string; label: string; className?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const node = host.current;
    if (node === null) return;
    const drawing = cleanSvg(svg);
    if (drawing === null) {
      node.replaceChildren();
      return;
    }
    drawing.setAttribute("aria-hidden", "true");
    node.replaceChildren(drawing);
  }, [svg]);
  return <div ref={host} className={className} role="img" aria-label={label} />;
}
