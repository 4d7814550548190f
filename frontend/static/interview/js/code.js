// Code on the page: the candidate's answer editor, and answers shown highlighted as Python.
// Both stand on CodeMirror 6, vendored as one module (../vendor/codemirror.js, built by
// `make vendor` from frontend/editor). Pages load this module with import() through
// ui.js's loadCode(): if it fails, the textarea and the plain text stay and still work.

import {
  Compartment,
  EditorState,
  EditorView,
  bracketMatching,
  classHighlighter,
  defaultKeymap,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightCode,
  highlightSpecialChars,
  history,
  historyKeymap,
  indentLess,
  indentMore,
  indentOnInput,
  indentUnit,
  keymap,
  lineNumbers,
  python,
  pythonLanguage,
  syntaxHighlighting,
  Transaction,
} from "../vendor/codemirror.js";
import { h } from "./dom.js";

const INDENT = "    ";

/**
 * Show `text` in `pre` highlighted as Python. The tokens go in as text nodes inside spans
 * of CodeMirror's token classes (colours in code.css): nothing in the text becomes markup.
 */
export function highlightInto(pre, text) {
  const nodes = [];
  highlightCode(
    text,
    pythonLanguage.parser.parse(text),
    classHighlighter,
    (token, classes) => nodes.push(classes ? h("span", { class: classes }, token) : token),
    () => nodes.push("\n"),
  );
  pre.replaceChildren(...nodes);
  pre.classList.add("code-view");
}

/** Tab: four spaces at the cursor, or the selected lines indented; Shift-Tab outdents. */
function indentOrInsert(view) {
  if (view.state.selection.ranges.some((range) => !range.empty)) return indentMore(view);
  view.dispatch(
    view.state.update(view.state.replaceSelection(INDENT), {
      scrollIntoView: true,
      userEvent: "input",
    }),
  );
  return true;
}

/**
 * Esc, then Tab, leaves the editor (the page says so under the field): after Esc, CodeMirror
 * lets Tab move the focus until another key is pressed. Its own default lasts two seconds;
 * a reader of the hint may take longer.
 */
function releaseTab(view) {
  view.setTabFocusMode(Number.POSITIVE_INFINITY);
  return true;
}

// The input that replaces a selection with text: typing, dictation, an autocorrection.
const REPLACING_INPUT = new Set(["insertText", "insertReplacementText"]);

/**
 * Text typed over a selection goes in through CodeMirror, not the browser. On desktop Chrome
 * the editor lets the browser insert typed text into its DOM and reads the change back. Over
 * a selection that spans lines, the browser's own editing merges the lines and copies the
 * highlighted tokens' colours onto what it moves as style attributes, which the page's CSP
 * blocks and reports ("Applying inline style violates ... style-src"); and it can leave a
 * stray empty line in the answer. The same change made as an editor transaction does
 * neither. Typing at a cursor stays the browser's, as does input the page cannot cancel (an
 * input method's composition).
 */
function typeOverSelection(event, view) {
  if (!REPLACING_INPUT.has(event.inputType) || !event.cancelable) return false;
  const text = event.data ?? event.dataTransfer?.getData("text/plain");
  // What the browser would replace: Chrome names no target range for typed text, so the
  // selection, as the page has it.
  const selection = view.root.getSelection();
  const [target] = event.getTargetRanges();
  const range = target ?? (selection?.rangeCount ? selection.getRangeAt(0) : null);
  if (typeof text !== "string" || !range || range.collapsed) return false;
  if (!view.contentDOM.contains(range.startContainer)) return false;
  if (!view.contentDOM.contains(range.endContainer)) return false;
  const from = view.posAtDOM(range.startContainer, range.startOffset);
  const to = view.posAtDOM(range.endContainer, range.endOffset);
  view.dispatch({
    changes: { from, to, insert: text },
    selection: { anchor: from + text.length },
    scrollIntoView: true,
    userEvent: "input.type",
  });
  return true; // handled: CodeMirror cancels the browser's own edit
}

/**
 * Put an editor in the place of the answer textarea, starting from its text and state.
 * Returns what the page reads and sets, as it did the textarea's: `value`, `disabled`,
 * `focus()`; `onChange()` runs after every edit. The label names the editor ("Answer"), the
 * hint under it describes it, and clicking the label focuses it.
 */
export function answerEditor(textarea, { onChange, nonce }) {
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const editable = new Compartment();
  const editableIf = (on) => [EditorView.editable.of(on), EditorState.readOnly.of(!on)];
  const described = textarea.getAttribute("aria-describedby");
  let quiet = false;
  label.id ||= `${textarea.id}-label`;
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      nonce ? EditorView.cspNonce.of(nonce) : [],
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      highlightActiveLine(),
      python(),
      syntaxHighlighting(classHighlighter),
      indentUnit.of(INDENT),
      EditorState.tabSize.of(4),
      // A long line wraps inside the editor: no sideways scroll, on a phone as on a laptop,
      // and no scrolling region that a keyboard could not reach.
      EditorView.lineWrapping,
      keymap.of([
        { key: "Tab", run: indentOrInsert, shift: indentLess },
        { key: "Escape", run: releaseTab },
        ...defaultKeymap,
        ...historyKeymap,
      ]),
      editable.of(editableIf(!textarea.disabled)),
      EditorView.domEventHandlers({ beforeinput: typeOverSelection }),
      EditorView.contentAttributes.of({
        "aria-labelledby": label.id,
        ...(described ? { "aria-describedby": described } : {}),
      }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && !quiet) onChange();
        // Back in the editor, Tab indents again.
        if (update.focusChanged && update.view.hasFocus) update.view.setTabFocusMode(false);
      }),
    ],
  });
  const host = h("div", { class: "code-editor" }, view.dom);
  textarea.replaceWith(host);
  label.removeAttribute("for");
  label.addEventListener("click", () => view.focus());
  let disabled = textarea.disabled;
  return {
    get value() {
      return view.state.doc.toString();
    },
    set value(text) {
      if (text === view.state.doc.toString()) return;
      // As with a textarea, setting the text is no edit: no onChange, nothing to undo into.
      quiet = true;
      try {
        view.dispatch({
          changes: { from: 0, to: view.state.doc.length, insert: text },
          annotations: Transaction.addToHistory.of(false),
        });
      } finally {
        quiet = false;
      }
    },
    get disabled() {
      return disabled;
    },
    set disabled(on) {
      disabled = Boolean(on);
      view.dispatch({ effects: editable.reconfigure(editableIf(!disabled)) });
    },
    focus() {
      view.focus();
    },
  };
}
