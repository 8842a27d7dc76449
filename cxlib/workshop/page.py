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
* translates JupyterLab dialogs that the German language pack leaves in
  English ("Kernel Restarting" and its text) with the texts of
  ``workshop_server.page`` (``cxlib/texts/*/workshop_server.yaml``).

Outside ``cxwb workshop`` (the notebook opened by hand) it does nothing but the
translation: nobody saves the notebook after a restart there.
"""

from __future__ import annotations

import json

from IPython.display import Javascript

from cxlib.texts import t

__all__ = ["ENGLISH_DIALOGS", "page_script", "script_source"]

#: JupyterLab's English dialog texts without a German translation in the language pack
#: (jupyterlab-language-pack-de-DE 4.5), as regular expressions, with their text keys.
ENGLISH_DIALOGS: dict[str, str] = {
    "^Kernel Restarting$": "kernel_restarting",
    "^The kernel for (.*) appears to have died\\. It will restart automatically\\.$": "kernel_died",
    "^Do not show this message again in this session\\.$": "not_again",
}

SCRIPT = """(() => {
  const texts = %(texts)s;
  const FILE_CHANGED = ['File Changed', 'Datei geändert'];
  const INACTIVE = %(inactive)s;
  if (window.cxwsPage) { window.cxwsPage.texts = texts; return; }
  const page = (window.cxwsPage = { texts, since: null, seen: false });
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
  if (path) saved().then((v) => { page.since = v; }).catch(() => {});
  setInterval(async () => {
    translate();
    keepView();
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
  new MutationObserver(() => { translate(); keepView(); })
    .observe(document.body, { childList: true, subtree: true });
})();
"""


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
        "inactive": json.dumps(inactive, ensure_ascii=False),
    }


def page_script(lang: str = "de") -> Javascript:
    """The page script as a notebook output (``display(page_script())``)."""
    return Javascript(script_source(lang))
