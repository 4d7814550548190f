// Building DOM nodes. Text always goes in as text nodes: nothing a user typed is ever parsed
// as HTML, so there is no innerHTML anywhere in the front end.

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
export function prose(text) {
  return String(text || "")
    .split(/\n{2,}/)
    .map((para) => h("p", {}, para));
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
