// Reddit in the dashboard: a reddit job's counters, posts and media thumbnails, and the posts
// browser over the stored corpus (#/reddit, #/reddit/{post id}).

import { reddit } from "./api.js";
import { debounce, fill, h } from "./dom.js";
import { count } from "./format.js";
import { badge, card, CursorPager, emptyState, table, when } from "./widgets.js";

const PAGE_SIZE = 50;
const THUMBNAILS = 24;
const MEDIA_TONES = { stored: "ok", video_only: "warn", failed: "bad" };
const FILE_URLS = new Map(); // sha256 -> object URL: a file never changes, so it is fetched once

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

/** A stored file, fetched with the session's credentials (an <img src> would carry no API key). */
function thumbnail(media, urls) {
  const box = h("a", { class: "reddit-thumb", title: `${media.kind} ${media.status}${media.note ? `: ${media.note}` : ""}` });
  if (!media.sha256) return fill(box, badge(media.status, MEDIA_TONES[media.status] || "muted"));
  const load = urls.has(media.sha256) ? Promise.resolve(urls.get(media.sha256)) :
    reddit.file(media.sha256).then((blob) => {
      const url = URL.createObjectURL(blob);
      urls.set(media.sha256, url);
      return url;
    });
  load.then((url) => {
    box.href = url;
    box.target = "_blank";
    fill(box, (media.mime || "").startsWith("video/")
      ? h("video", { src: url, muted: "", preload: "metadata" })
      : h("img", { src: url, alt: `${media.kind} of post ${media.post_id}`, loading: "lazy" }));
  }).catch(() => fill(box, badge("unavailable", "muted")));
  return box;
}

/** The reddit part of a job page: live counters, the posts with their comment counts, media. */
export function redditJobCards(ctx, job) {
  if (job.kind !== "reddit") return [];
  const cards = [card("Reddit", countersLine(job))];
  if (job.status === "completed" || job.status === "cancelled" || job.status === "running") {
    const media = h("div", { class: "reddit-thumbs" }, h("p", { class: "loading" }, "Loading media…"));
    reddit.jobMedia(job.id).then((answer) => {
      const items = answer.items.slice(0, THUMBNAILS);
      fill(media, items.length ? items.map((m) => thumbnail(m, FILE_URLS)) : h("p", { class: "muted" }, "No media."),
        answer.total > THUMBNAILS ? h("p", { class: "muted small" }, `and ${count(answer.total - THUMBNAILS)} more`) : null);
    }).catch((error) => ctx.fail(error));
    cards.push(card("Media", media));
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

  return { refresh };
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
