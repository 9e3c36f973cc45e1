// Reddit in the dashboard: a reddit job's counters, posts and media thumbnails, and the posts
// browser over the stored corpus (#/reddit, #/reddit/{post id}).

import { reddit, session } from "./api.js";
import { debounce, fill, h } from "./dom.js";
import { count } from "./format.js";
import { badge, card, CursorPager, emptyState, table, when } from "./widgets.js";

const PAGE_SIZE = 50;
const THUMBNAILS = 24;
const MEDIA_TONES = { stored: "ok", video_only: "warn", failed: "bad" };

export const postHref = (postId) => `#/reddit/${encodeURIComponent(postId)}`;

function countersLine(job) {
  const p = job.progress || {};
  const parts = [`${count(job.posts_scraped || 0)} posts`, `${count(job.comments_scraped || 0)} comments`,
    `${count(job.media_downloaded || 0)} media files`];
  if (p.phase) parts.push(`phase: ${p.phase}`);
  if (p.waiting_seconds) parts.push(`waiting ${p.waiting_seconds} s for Reddit's rate budget`);
  if (p.listing_end || (job.result && job.result.listing_end)) parts.push("reached the end of Reddit's listing");
  const unexpanded = p.comments_unexpanded || (job.result && job.result.comments_unexpanded);
  if (unexpanded) parts.push(`${count(unexpanded)} comments left unexpanded`);
  return h("p", null, parts.join(" · "));
}

/**
 * Where a job page's stored files come from. A cookie session sends its cookie with an <img src>,
 * so the server's own URL is used; an API key cannot ride on one, so each file is fetched once
 * with the key into an object URL, and those are revoked when the page is left (`dispose`).
 * The promise is cached before the file arrives, so a refresh mid-download does not start another.
 */
export function mediaFiles() {
  const blobs = new Map(); // sha256 -> Promise of an object URL
  return {
    url(media) {
      if (session.current && session.current.mode === "cookie" && media.url) return Promise.resolve(media.url);
      if (!blobs.has(media.sha256)) {
        const load = reddit.file(media.sha256).then((blob) => URL.createObjectURL(blob));
        // A failed download may be tried again on a later redraw.
        load.catch(() => blobs.delete(media.sha256));
        blobs.set(media.sha256, load);
      }
      return blobs.get(media.sha256);
    },
    dispose() {
      for (const load of blobs.values()) load.then((url) => URL.revokeObjectURL(url), () => {});
      blobs.clear();
    },
  };
}

/** A stored file's thumbnail, linking to the file. */
function thumbnail(media, files) {
  const box = h("a", { class: "reddit-thumb", title: `${media.kind} ${media.status}${media.note ? `: ${media.note}` : ""}` });
  if (!media.sha256) return fill(box, badge(media.status, MEDIA_TONES[media.status] || "muted"));
  files.url(media).then((url) => {
    box.href = url;
    box.target = "_blank";
    fill(box, (media.mime || "").startsWith("video/")
      ? h("video", { src: url, muted: "", preload: "metadata" })
      : h("img", { src: url, alt: `${media.kind} of post ${media.post_id}`, loading: "lazy" }));
  }).catch(() => fill(box, badge("unavailable", "muted")));
  return box;
}

/**
 * The reddit part of a job page: live counters, the posts with their comment counts, media.
 * `state` lives as long as the page: the media list is asked for again only when the job's
 * media count or status moves, and its card is kept between the page's one-second refreshes.
 */
export function redditJobCards(ctx, job, state) {
  if (job.kind !== "reddit") return [];
  const cards = [card("Reddit", countersLine(job))];
  if (job.status === "completed" || job.status === "cancelled" || job.status === "running") {
    const key = `${job.status === "running" ? "running" : "done"}:${job.media_downloaded || 0}`;
    if (state.mediaKey !== key) {
      state.mediaKey = key;
      const media = h("div", { class: "reddit-thumbs" }, h("p", { class: "loading" }, "Loading media…"));
      state.mediaCard = card("Media", media);
      reddit.jobMedia(job.id).then((answer) => {
        const items = answer.items.slice(0, THUMBNAILS);
        fill(media, items.length ? items.map((m) => thumbnail(m, state.files)) : h("p", { class: "muted" }, "No media."),
          answer.total > THUMBNAILS ? h("p", { class: "muted small" }, `and ${count(answer.total - THUMBNAILS)} more`) : null);
      }).catch((error) => {
        // Said in the card, not the page's banner, which the next refresh would not clear.
        fill(media, h("p", { class: "preview__error" }, `Could not load the media list: ${error.message || error}`));
      });
    }
    cards.push(state.mediaCard);
  }
  return cards;
}

function commentTree(comments) {
  if (!comments || !comments.length) return null;
  return h("ul", { class: "reddit-comments" }, comments.map((c) => h("li", null,
    h("div", { class: "muted small" }, `${c.author || "[deleted]"} · ${count(c.score)} points`),
    h("div", { class: c.removed ? "muted" : null }, c.body),
    commentTree(c.replies))));
}

/** #/reddit: the stored posts, newest first, filtered by subreddit, author and title words. */
export function redditPosts(ctx) {
  ctx.setTitle("Reddit posts");
  const pager = new CursorPager(PAGE_SIZE);
  const filters = { subreddit: ctx.query.get("subreddit") || "", author: ctx.query.get("author") || "",
    q: ctx.query.get("q") || "" };
  const total = h("span", { class: "page-head__count" });
  const results = h("div", { class: "results" }, h("p", { class: "loading" }, "Loading posts…"));
  const changed = debounce(() => {
    ctx.setQuery(filters);
    pager.reset();
    ctx.refresh();
  }, 300);
  const input = (name, placeholder) => h("input", { type: "search", placeholder, "aria-label": placeholder, value: filters[name],
    oninput: (event) => { filters[name] = event.target.value.trim(); changed(); } });
  fill(ctx.root, h("div", { class: "page-head" }, h("h1", null, "Reddit posts ", total)),
    h("div", { class: "filters" }, input("subreddit", "Subreddit"), input("author", "Author"), input("q", "Words in the title")),
    results);

  async function refresh() {
    const page = await reddit.posts({ ...filters, ...pager.query() });
    total.textContent = count(page.total);
    if (!page.items.length) {
      fill(results, emptyState("No posts stored yet.", "Reddit jobs and schedules store the posts they fetch here."));
      return {};
    }
    fill(results, table(["Post", "Subreddit", "Author", { label: "Score", class: "num" },
      { label: "Comments", class: "num" }, "Posted"], page.items.map((p) => [
      h("a", { class: "row-title", href: postHref(p.id) }, p.title || p.id),
      `r/${p.subreddit}`, p.author, h("span", { class: "num" }, count(p.score)),
      h("span", { class: "num" }, count(p.num_comments)), when(p.created_utc),
    ])), pager.render(page, () => ctx.refresh()));
    return { interval: 30000 };
  }

  // Typing then leaving within the debounce must not write these filters into the next page's URL.
  return { refresh, dispose: () => changed.cancel() };
}

/** #/reddit/{id}: one stored post with its comment tree. */
export function redditPost(ctx) {
  const [postId] = ctx.params;
  ctx.setTitle(`Post ${postId}`);
  const body = h("div", { class: "detail" }, h("p", { class: "loading" }, "Loading post…"));
  fill(ctx.root, h("a", { class: "back", href: "#/reddit" }, "← Reddit posts"), body);

  async function refresh() {
    const post = await reddit.post(postId);
    fill(body, h("h1", null, post.title),
      h("p", { class: "muted" }, `r/${post.subreddit} · ${post.author} · ${count(post.score)} points`),
      post.permalink ? h("p", { class: "mono small" }, post.permalink) : null,
      post.selftext ? card("Text", h("p", null, post.selftext)) : null,
      card(`Comments (${count(post.num_comments)})`, commentTree(post.comments) || h("p", { class: "muted" }, "None stored.")));
    return { stop: true };
  }

  return { refresh };
}
