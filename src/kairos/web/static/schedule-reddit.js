// The reddit part of the schedule form (docs/reddit.md): target and its type, mode, limit, media
// and comments, plugins and config. `read(body, errors)` adds the fields; `load(s)` shows a saved one.

import { h, select } from "./dom.js";
import { field, parseJson } from "./form-controls.js";

const MODES = [["history", "History: walk further back each run"], ["monitor", "Monitor: only newer posts"],
  ["full", "Full: the listing from the top each run"]];

export function redditPanel() {
  const target = h("input", { type: "text", class: "mono", autocomplete: "off", spellcheck: "false",
    placeholder: "technology, r/python, a+b or u/name", "data-field": "target" });
  const targetType = select({ "data-field": "target_type" }, [["subreddit", "Subreddit"], ["user", "User"]], "subreddit");
  const mode = select({ "data-field": "mode" }, MODES, "history");
  const limit = h("input", { type: "number", min: 1, max: 10000, step: 1, inputmode: "numeric", placeholder: "100",
    "data-field": "limit" });
  const media = h("input", { type: "checkbox", checked: true, "data-field": "download_media" });
  const comments = h("input", { type: "checkbox", checked: true, "data-field": "scrape_comments" });
  const plugins = h("input", { type: "text", class: "mono", autocomplete: "off", spellcheck: "false",
    placeholder: "keyword_tags, …", "data-field": "plugins" });
  const config = h("textarea", { class: "mono", rows: 2, spellcheck: "false",
    placeholder: "{\"keywords\": [\"python\"], \"max_more_requests\": 32}", "data-field": "config" });
  const node = h("div", { class: "panel" },
    h("div", { class: "row" },
      field("Subreddit or user", target, { name: "target", wide: true }),
      field("Target type", targetType, { name: "target_type" }),
      field("Mode", mode, { name: "mode" }),
      field("Posts per run", limit, { name: "limit", hint: "1-10000; 100 when empty." })),
    h("div", { class: "row" },
      h("label", { class: "check" }, media, " Download media (images, galleries, video)"),
      h("label", { class: "check" }, comments, " Fetch the comment trees")),
    h("span", { class: "field__error", "data-error-for": "download_media" }),
    h("span", { class: "field__error", "data-error-for": "scrape_comments" }),
    h("div", { class: "row" },
      field("Plugins", plugins, { name: "plugins", hint: "Post-processors, in order, separated by commas." }),
      field("Config (JSON object)", config, { name: "config", wide: true })));

  function read(body, errors) {
    body.target = target.value.trim();
    body.target_type = targetType.value;
    body.mode = mode.value;
    if (limit.value.trim() !== "") body.limit = Number(limit.value);
    body.download_media = media.checked;
    body.scrape_comments = comments.checked;
    body.plugins = plugins.value.split(",").map((name) => name.trim()).filter(Boolean);
    const parsed = parseJson(config.value, "object");
    if (parsed.error) errors.set("config", parsed.error);
    else body.config = parsed.value;
  }

  function load(s) {
    target.value = s.target || "";
    targetType.value = s.target_type || "subreddit";
    mode.value = s.mode || "history";
    limit.value = s.limit === null || s.limit === undefined ? "" : String(s.limit);
    media.checked = s.download_media !== false;
    comments.checked = s.scrape_comments !== false;
    plugins.value = (s.plugins || []).join(", ");
    config.value = s.config && Object.keys(s.config).length ? JSON.stringify(s.config, null, 2) : "";
  }

  return { node, read, load };
}
