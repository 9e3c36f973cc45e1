"""Which media a post carries (pure), and how a DASH manifest is read."""

from __future__ import annotations

from kairos.kinds.reddit.dash import parse_manifest
from kairos.kinds.reddit.media_refs import media_refs

MPD = """<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period>
<AdaptationSet mimeType="video/mp4"><Representation bandwidth="300000" height="240"><BaseURL>DASH_240.mp4</BaseURL>
</Representation><Representation bandwidth="1200000" height="720"><BaseURL>DASH_720.mp4</BaseURL></Representation>
</AdaptationSet><AdaptationSet mimeType="audio/mp4"><Representation bandwidth="64000"><BaseURL>CMAF_AUDIO_64.mp4
</BaseURL></Representation><Representation bandwidth="128000"><BaseURL>CMAF_AUDIO_128.mp4</BaseURL>
</Representation></AdaptationSet></Period></MPD>"""


def test_a_manifest_gives_its_tracks_best_first_with_urls_beside_it() -> None:
    videos, audios = parse_manifest(MPD, "https://v.redd.it/abc/DASHPlaylist.mpd?a=1")
    assert [v.url for v in videos] == ["https://v.redd.it/abc/DASH_720.mp4", "https://v.redd.it/abc/DASH_240.mp4"]
    assert [a.url for a in audios] == ["https://v.redd.it/abc/CMAF_AUDIO_128.mp4",
                                       "https://v.redd.it/abc/CMAF_AUDIO_64.mp4"]


def test_a_gallery_follows_gallery_data_order_and_names_its_failed_item() -> None:
    data = {"is_gallery": True, "gallery_data": {"items": [{"media_id": "b"}, {"media_id": "a"}, {"media_id": "c"}]},
            "media_metadata": {"a": {"status": "valid", "e": "Image", "s": {"u": "https://i/a.jpg"}},
                               "c": {"status": "failed"},
                               "b": {"status": "valid", "e": "AnimatedImage", "s": {"gif": "https://i/b.gif"}}}}
    refs = media_refs(data)
    assert [(r.position, r.media_key, r.kind, r.failed is not None) for r in refs] == [
        (0, "b", "gif", False), (1, "a", "gallery_image", False), (2, "c", "gallery_image", True)]


def test_a_crosspost_carries_its_parents_media_and_links_carry_none() -> None:
    parent = {"url": "https://i.redd.it/x.png?width=5", "post_hint": "image"}
    refs = media_refs({"url": "https://www.reddit.com/r/a/comments/1/", "crosspost_parent_list": [parent]})
    assert [(r.media_key, r.kind) for r in refs] == [("i.redd.it/x.png", "image")]
    assert media_refs({"url": "https://example.com/article", "domain": "example.com"}) == []
    video = media_refs({"is_video": True, "url": "https://v.redd.it/vid1",
                        "secure_media": {"reddit_video": {"fallback_url": "https://v.redd.it/vid1/DASH_480.mp4",
                                                          "dash_url": "https://v.redd.it/vid1/DASHPlaylist.mpd"}}})
    assert [(r.media_key, r.kind, r.dash_url) for r in video] == [
        ("v.redd.it/vid1", "video", "https://v.redd.it/vid1/DASHPlaylist.mpd")]
