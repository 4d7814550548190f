// The parts of CodeMirror 6 that static/interview/js/code.js uses: the candidate's answer
// editor and the highlighted answers the panel reads. `make vendor` bundles this file into
// one ES module, static/interview/vendor/codemirror.js; nothing else of ours is in it.
export { Compartment, EditorState, Transaction } from "@codemirror/state";
export {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentLess, indentMore } from "@codemirror/commands";
export { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
export { python, pythonLanguage } from "@codemirror/lang-python";
export { classHighlighter, highlightCode } from "@lezer/highlight";
