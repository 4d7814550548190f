// Building DOM nodes. Text always goes in as text nodes: nothing a user typed is ever parsed
// as HTML. The one exception is setTrustedHtml(), for the server's rendered Markdown alone.

const SVG_NS = "http://www.w3.org/2000/svg";

function assign(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h("p", {class: "x"}, "text", h("strong", {}, name)). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  assign(el, props);
  append(el, children);
  return el;
}

/** An SVG element, same signature as h(). */
export function s(tag, props = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  assign(el, props);
  append(el, children);
  return el;
}

export const $ = (id) => document.getElementById(id);

/** Show or hide an element (the hidden attribute, so it leaves the accessibility tree too). */
export function show(el, visible = true) {
  el.hidden = !visible;
}

/** The page's start-up data, rendered by Django with json_script. */
export function pageConfig() {
  const node = $("page-config");
  return node ? JSON.parse(node.textContent) : {};
}

/** Paragraphs of plain text: blank lines split paragraphs, single newlines stay. */
function prose(text) {
  return String(text || "")
    .split(/\n{2,}/)
    .map((para) => h("p", {}, para));
}

/**
 * The only way HTML enters the page: the `*_html` fields of the server (prompts, model answers,
 * key points), which it renders from Markdown and sanitises to an allow-list of tags
 * (interview/content/rendering.py). Never anything else: names, answers and feedback are text.
 */
export function setTrustedHtml(el, html) {
  el.innerHTML = html;
}

/**
 * The other way markup enters the page: an SVG chart the server drew (interview/content/radar.py),
 * which builds it element by element and escapes every text. Parsed as XML, never as HTML;
 * anything that is not one well-formed <svg> shows nothing.
 */
export function setTrustedSvg(el, svgText) {
  const doc = new DOMParser().parseFromString(String(svgText || ""), "image/svg+xml");
  const root = doc.documentElement;
  const ok = root && root.namespaceURI === SVG_NS && root.localName === "svg";
  const wellFormed = ok && !doc.querySelector("parsererror");
  el.replaceChildren(...(wellFormed ? [document.importNode(root, true)] : []));
}

/** Rendered Markdown where the server sent it (`*_html`), else the text as paragraphs. */
export function showMarkdown(el, html, text) {
  el.classList.add("md");
  if (typeof html === "string") setTrustedHtml(el, html);
  else el.replaceChildren(...prose(text));
}

/** Key points as list items: rendered inline Markdown where sent, else text. */
export function keyPoints(html, text) {
  return (text || []).map((point, i) => {
    const item = h("li", { class: "md" });
    if (html && typeof html[i] === "string") setTrustedHtml(item, html[i]);
    else item.textContent = point;
    return item;
  });
}

let announceTimer = null;

/** Say something to screen readers through the page's polite live region. */
export function announce(message) {
  const region = $("announcer");
  if (!region) return;
  // Clear first, then set on the next tick: repeating the same words is announced again.
  region.textContent = "";
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    region.textContent = message;
  }, 50);
}
