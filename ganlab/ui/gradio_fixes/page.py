"""Works around Gradio 6.31's orphaned 60-frames-a-second StatusTracker loop in the page; remove when
Gradio stops the tracker's ``requestAnimationFrame`` loop once the app has loaded.

Gradio 6.31 shows a StatusTracker while the page loads and removes it once the app is ready, but
the tracker's elapsed-time loop (``requestAnimationFrame`` calling itself while its ``_timer`` flag
is set) is never told to stop. For as long as the page is open the browser then runs a callback and
a frame 60 times a second, a large share of the browser's CPU while the Train tab streams, CPU
taken from training on a 2-core laptop. The loop keeps the ``requestAnimationFrame`` it found when
its module loaded, so the fix must run before the app's modules: this middleware puts a small
script at the top of the page's ``<head>``. The script lets callbacks scheduled by the status
tracker run every frame while some tracker shows a pending event (its timer is on screen), and
once a second otherwise. tests/e2e/test_page_frames.py checks the idle page's frame rate.
"""

from __future__ import annotations

from starlette.middleware import Middleware

QUIET_TIMERS = b"""<script>
(() => {
  const raf = window.requestAnimationFrame.bind(window);
  const pending = () => document.querySelector('[data-testid="status-tracker"] .progress-text') !== null;
  window.requestAnimationFrame = (callback) => {
    const callers = (new Error().stack || "").split("\\n").slice(0, 3).join(" ");
    if (callers.includes("/statustracker") && !pending()) {
      return setTimeout(() => raf(callback), 1000);
    }
    return raf(callback);
  };
})();
</script>"""


class EarlyScript:
    """ASGI middleware: insert ``script`` right after ``<head>`` in HTML responses."""

    def __init__(self, app, script: bytes = QUIET_TIMERS):
        self.app = app
        self.script = script

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def patched(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                if html and b"content-encoding" not in headers:
                    start = message  # hold it: the length changes
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks).replace(b"<head>", b"<head>" + self.script, 1)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await self.app(scope, receive, patched)


def quiet_timers_middleware() -> Middleware:
    """The middleware entry for FastAPI(middleware=[...]) (gradio's launch(app_kwargs=...))."""
    return Middleware(EarlyScript)


def current_blocks():
    """The gr.Blocks being built (a tab adds its page-open events to it), or None outside a build."""
    from gradio.context import get_blocks_context

    ctx = get_blocks_context()
    return ctx.root_block if ctx is not None else None
