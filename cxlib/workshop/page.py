"""The workshop page's own script: back by itself after a restart, German where JupyterLab is not.

:func:`page_script` is displayed by the workshop notebook next to the workshop
widget (a trusted output: ``cxwb workshop`` signs the notebook it ran). In the
browser it

* reloads the page when the workshop view that was live lost its kernel
  (ipywidgets marks it ``jupyter-widgets-disconnected``), or cannot be shown,
  and the notebook was saved again since the page was opened: ``cxwb workshop``
  runs the notebook again after a kernel restart (:mod:`cxlib.workshop.revive`),
  and the reload shows that new view with the saved state, without "Run All";
* answers JupyterLab's "Datei geändert … Überschreiben / Zurücksetzen" (another
  server wrote the notebook) with "Überschreiben" while its view is live: the
  notebook holds only the view, and "Zurücksetzen" would show the other server's
  outputs, which this page cannot render;
* locks the workshop view at once when the server is gone (``cxwb workshop``
  ended or crashed; it asks ``/api/status`` every second): the view gets the
  class ``cxws-offline``, whose notice the run's ``custom.css`` shows
  (:func:`cxlib.workshop.launch.custom_css`), and becomes ``inert`` (no click,
  no typing); a view whose kernel is lost (``jupyter-widgets-disconnected``)
  becomes inert as well. The status line stays readable: what it calls
  "nicht gespeichert" is what was lost;
* translates what the German language pack leaves in English: dialogs
  ("Kernel Restarting" and its text, :data:`ENGLISH_DIALOGS`) and, exactly
  matched, menu items, toolbar tooltips and labels (:func:`lab_translations`),
  with the texts of ``workshop_server.page`` (``cxlib/texts/*/workshop_server.yaml``);
  and drops the tooltip "null" that ipywidgets shows for widgets without one.
  In an English workshop nothing is translated (JupyterLab is English there).

Outside ``cxwb workshop`` (the notebook opened by hand) the reload does nothing:
nobody saves the notebook after a restart there.
"""

from __future__ import annotations

import json

from IPython.display import Javascript

from cxlib.texts import catalogue, t
from cxlib.workshop.launch import OFFLINE_CLASS

__all__ = ["ENGLISH_DIALOGS", "lab_translations", "page_script", "script_source"]

#: JupyterLab's English dialog texts without a German translation in the language pack
#: (jupyterlab-language-pack-de-DE 4.5), as regular expressions, with their text keys.
ENGLISH_DIALOGS: dict[str, str] = {
    "^Kernel Restarting$": "kernel_restarting",
    "^The kernel for (.*) appears to have died\\. It will restart automatically\\.$": "kernel_died",
    "^Do not show this message again in this session\\.$": "not_again",
}

SCRIPT = """(() => {
  const texts = %(texts)s;
  const lab = new Map(%(lab)s);
  const OFFLINE = %(offline)s;
  const FILE_CHANGED = ['File Changed', 'Datei geändert'];
  const INACTIVE = %(inactive)s;
  // the notebook's content (outputs, editors) is the client's and the workshop's own text
  const CONTENT = '.jp-OutputArea-output, .jp-InputArea-editor';
  if (window.cxwsPage) { Object.assign(window.cxwsPage, { texts, lab }); return; }
  const page = (window.cxwsPage = { texts, lab, since: null, seen: false, offline: false });
  const config = document.getElementById('jupyter-config-data');
  const base = (config && JSON.parse(config.textContent).baseUrl) || '/';
  const found = location.pathname.match(/\\/(?:lab|doc)(?:\\/workspaces\\/[^/]+)?\\/tree\\/(.+)$/);
  const path = found ? found[1] : null;
  const saved = async () => {
    const answer = await fetch(`${base}api/contents/${path}?content=0`,
      { credentials: 'same-origin', cache: 'no-store' });
    return answer.ok ? (await answer.json()).last_modified : null;
  };
  const keepView = () => {
    // another server wrote the notebook: this page's view is the live one, so it overwrites
    // (the notebook holds only the view; the data has its own conflict check in the store)
    const view = document.querySelector('.cxws');
    if (!view || view.classList.contains('jupyter-widgets-disconnected')) return;
    for (const dialog of document.querySelectorAll('.jp-Dialog')) {
      const head = dialog.querySelector('.jp-Dialog-header');
      if (head && FILE_CHANGED.includes(head.textContent.trim())) {
        const overwrite = dialog.querySelector('.jp-Dialog-footer .jp-mod-warn');
        if (overwrite) overwrite.click();
      }
    }
  };
  const translate = () => {
    for (const dialog of document.querySelectorAll('.jp-Dialog')) {
      const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeValue.trim();
        for (const [pattern, german] of page.texts) {
          const match = text.match(new RegExp(pattern));
          if (match) node.nodeValue = german.replace('%%1', match[1] || '');
        }
      }
    }
  };
  // JupyterLab's texts the language pack leaves English: text, tooltips (title), aria-labels;
  // and ipywidgets' tooltip "null" (a widget without tooltip) is no tooltip
  const translateText = (node) => {
    const text = node.nodeValue.trim();
    const translated = text && page.lab.get(text);
    if (translated) node.nodeValue = node.nodeValue.replace(text, translated);
  };
  const translateAttributes = (element) => {
    for (const name of ['title', 'aria-label']) {
      const value = element.getAttribute(name);
      if (value === 'null') element.removeAttribute(name);
      const translated = value && page.lab.get(value.trim());
      if (translated) element.setAttribute(name, translated);
    }
  };
  const skipContent = { acceptNode: (node) => (node.nodeType === 1 && node.matches(CONTENT)
    ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT) };
  const translateTree = (root) => {
    if (root.nodeType === 1) {
      for (const element of root.querySelectorAll('[title="null"]')) {
        element.removeAttribute('title');
      }
    }
    const parent = root.nodeType === 1 ? root : root.parentElement;
    if (!page.lab.size || !parent || parent.closest(CONTENT)) return;
    if (root.nodeType === 3) { translateText(root); return; }
    if (root.nodeType !== 1) return;
    const walker = document.createTreeWalker(
      root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, skipContent);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      if (node.nodeType === 3) translateText(node); else translateAttributes(node);
    }
  };
  // the server is gone (cxwb ended or crashed): the view says so at once and takes no input,
  // neither clicks nor typing (inert); likewise while ipywidgets has lost the kernel
  let checking = false;
  const reachable = async () => {
    try {
      await fetch(`${base}api/status`, { credentials: 'same-origin', cache: 'no-store' });
      return true;
    } catch (error) { return false; }  // no answer at all: any HTTP answer is a server
  };
  const lock = () => {
    for (const view of document.querySelectorAll('.cxws')) {
      view.classList.toggle(OFFLINE, page.offline);
      const locked = page.offline || view.classList.contains('jupyter-widgets-disconnected');
      if (view.inert !== locked) view.inert = locked;
    }
  };
  const watchServer = () => {
    if (checking || !document.querySelector('.cxws')) return;
    checking = true;
    reachable().then((up) => { page.offline = !up; lock(); }).finally(() => { checking = false; });
  };
  if (path) saved().then((v) => { page.since = v; }).catch(() => {});
  translateTree(document.body);
  setInterval(async () => {
    translate();
    keepView();
    watchServer();
    lock();
    const view = document.querySelector('.cxws');
    const live = view && !view.classList.contains('jupyter-widgets-disconnected');
    if (live) page.seen = true;
    // reload only a view that was live and is lost, or one that cannot be shown (never one
    // that is still loading: a save while it loads must not start a loop of reloads)
    const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
    const broken = outputs.some((e) => INACTIVE.some((text) => e.textContent.includes(text)));
    if (!path || !page.since || live || !(page.seen || broken)) return;
    try {
      const now = await saved();
      if (now && now !== page.since) { page.since = now; location.reload(); }
    } catch (error) { /* the server is not there (yet) */ }
  }, 1000);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'childList') record.addedNodes.forEach(translateTree);
      else if (record.type === 'characterData') translateTree(record.target);
      else if (record.target.closest(CONTENT)) {
        if (record.target.getAttribute('title') === 'null') record.target.removeAttribute('title');
      } else translateAttributes(record.target);
    }
    translate();
    keepView();
  }).observe(document.body, { childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ['title', 'aria-label'] });
})();
"""


def lab_translations(lang: str = "de") -> dict[str, str]:
    """JupyterLab's texts that stay English under the German language pack -> ``lang``.

    Keys are the texts as JupyterLab shows them (``workshop_server.page.lab.*``
    in the English catalogue); empty for English, where nothing is translated.
    """
    if lang == "en":
        return {}
    prefix = "workshop_server.page.lab."
    keys = [key for key in catalogue("en") if key.startswith(prefix)]
    return {t(key, "en"): t(key, lang) for key in keys}


def script_source(lang: str = "de") -> str:
    """The page script's JavaScript source (texts in ``lang``)."""
    texts = [
        [pattern, t(f"workshop_server.page.{key}", lang, path="%1")]
        for pattern, key in ENGLISH_DIALOGS.items()
    ]
    # what stands where the widget cannot be shown (WorkshopApp's text/plain), and ipywidgets'
    inactive = [t("workshop.placeholder", x).split(".")[0] for x in ("de", "en")]
    inactive.append("model not found")
    return SCRIPT % {
        "texts": json.dumps(texts, ensure_ascii=False),
        "lab": json.dumps(list(lab_translations(lang).items()), ensure_ascii=False),
        "offline": json.dumps(OFFLINE_CLASS),
        "inactive": json.dumps(inactive, ensure_ascii=False),
    }


def page_script(lang: str = "de") -> Javascript:
    """The page script as a notebook output (``display(page_script())``)."""
    return Javascript(script_source(lang))
