"""A small, labelled, deterministic WARC crawl for demos and end-to-end tests.

`write_demo_corpus(folder)` writes `demo-00000.warc.gz`, `demo-00001.warc.gz` and `labels.json`
(one entry per response record: url, record_id, kind, lang, file, and dup_of for duplicates).
Every kind is planted so that one pipeline stage has something to do: good English and Chinese
articles wrapped in real page chrome, boilerplate, SEO and gambling spam, exact and near
duplicates, other languages, mixed-language pages, outliers in length, binary payloads and GBK.
The text comes from the grammar in `demo.text`, whose templates are the JSON files in
`demo/templates/`, so the corpus needs no download and no licence.
"""

import copy
import json
import random
import re
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from demo import text as T

# Records per kind at scale 1.0.
KIND_COUNTS = {
    "good_en": 100, "good_zh": 80, "boilerplate": 15, "spam_en": 10, "spam_zh": 10,
    "exact_dup": 12, "near_dup": 12, "other_lang": 20, "mixed": 8, "very_long": 3,
    "very_short": 10, "non_html": 4, "gbk": 3,
}
WARC_FILES = ("demo-00000.warc.gz", "demo-00001.warc.gz")
CRAWL_START = datetime(2023, 3, 20, 4, 0, 0, tzinfo=timezone.utc)

EN_SITES = [("The Harwick Courier", "www.harwickcourier.co.uk"), ("Greenfold Notes", "greenfold-notes.org"),
            ("Weekend Maker", "weekendmaker.com"), ("Northern Skies", "northernskies.net"),
            ("The Millbrook Post", "millbrookpost.com"), ("Slow Living Journal", "slowlivingjournal.com"),
            ("Commute Matters", "commutematters.org.uk"), ("Field and Bench", "fieldandbench.net")]
ZH_SITES = [("生活周刊", "www.shenghuozhoukan.cn"), ("城市晚报", "news.chengshiwanbao.com.cn"),
            ("乡土记忆", "www.xiangtujiyi.cn"), ("慢生活", "manshenghuo.net"),
            ("科技日志", "www.kejirizhi.com"), ("悦读网", "www.yuedu-wang.cn")]
CHROME = {
    "en": dict(nav="Home|News|Features|Community|Events|Opinion|Contact", popular="Most read",
               cookie="We use cookies to give you the best experience on our website. By continuing to "
                      "browse you agree to our use of cookies.", accept="Accept all",
               newsletter="Sign up for our weekly newsletter", footer="All rights reserved.",
               links="About us|Contact|Privacy policy|Terms of use|Advertise", by="By"),
    "zh": dict(nav="首页|新闻|生活|科技|社区|专题|联系我们", popular="热门文章",
               cookie="本网站使用Cookie以改善您的浏览体验，继续浏览即表示您同意我们使用Cookie。",
               accept="同意", newsletter="订阅我们的每周简报", footer="版权所有，未经授权不得转载。",
               links="关于我们|联系我们|隐私政策|用户协议|广告合作", by="作者："),
}


def write_demo_corpus(folder: Path, seed: int = 0, scale: float = 1.0) -> Path:
    """Write the two WARC files and labels.json into `folder`; byte-identical for a given seed and scale."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    counts = {kind: max(1, round(n * scale)) for kind, n in KIND_COUNTS.items()}
    pages = _Builder(rng).pages(counts)
    rng.shuffle(pages)
    labels = _write_warcs(folder, pages, random.Random(f"warc-{seed}"))
    (folder / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return folder


class _Builder:
    """Makes the pages: dicts with url, kind, lang, body (bytes), content_type, payload_type, dup_of."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.urls: set[str] = set()

    def pages(self, counts: dict[str, int]) -> list[dict]:
        rng = self.rng
        good = [self.article_page(rng.choice(EN_SITES), "en", self.doc("en", rng.randint(360, 1000)))
                for _ in range(counts["good_en"])]
        good += [self.article_page(rng.choice(ZH_SITES), "zh", self.doc("zh", rng.randint(650, 1900)))
                 for _ in range(counts["good_zh"])]
        pages = [dict(p, kind=f"good_{p['lang']}") for p in good]
        # Long originals keep one changed sentence well above the 0.8 Jaccard line.
        long_enough = [p for p in good if p["units"] >= (550 if p["lang"] == "en" else 1200)]
        for original in rng.sample(good, counts["exact_dup"]):
            site = rng.choice([s for s in (EN_SITES if original["lang"] == "en" else ZH_SITES)
                               if s != original["site"]])
            pages.append(dict(self.article_page(site, original["lang"], original["doc"]),
                              kind="exact_dup", dup_of=original["url"]))
        for original in rng.sample(long_enough, counts["near_dup"]):
            doc = self.near_copy(original["doc"], original["lang"])
            pages.append(dict(self.article_page(original["site"], original["lang"], doc),
                              kind="near_dup", dup_of=original["url"]))
        for _ in range(counts["gbk"]):
            page = self.article_page(rng.choice(ZH_SITES), "zh", self.doc("zh", rng.randint(800, 2400)),
                                     charset="gbk")
            pages.append(dict(page, kind="gbk"))
        for i in range(counts["very_long"]):
            lang = "zh" if i % 2 else "en"
            doc = self.doc(lang, rng.randint(29500, 42000) if lang == "en" else rng.randint(34000, 50000))
            pages.append(dict(self.article_page(rng.choice(EN_SITES if lang == "en" else ZH_SITES), lang, doc),
                              kind="very_long"))
        makers = {"boilerplate": self.boilerplate, "spam_en": self.spam_en, "spam_zh": self.spam_zh,
                  "other_lang": self.other_lang, "mixed": self.mixed, "very_short": self.very_short,
                  "non_html": self.non_html}
        for kind, make in makers.items():
            pages += [dict(make(i), kind=kind) for i in range(counts[kind])]
        return pages

    # --- page assembly ---------------------------------------------------------------------

    def doc(self, lang: str, units: int, topic: str | None = None) -> dict:
        rng = self.rng
        doc = T.article(rng, lang, units, topic)
        doc["author"] = T.fill(rng, "{P}", T.en_vocab(rng, "music") if lang == "en" else T.zh_vocab(rng, "music"))
        doc["day"] = (CRAWL_START - timedelta(days=rng.randint(10, 1500))).date()
        return doc

    def url(self, site: tuple[str, str], lang: str, title: str) -> str:
        rng = self.rng
        while True:
            day = CRAWL_START - timedelta(days=rng.randint(3, 2000))
            if lang == "en":
                slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8])
                url = f"https://{site[1]}/{rng.choice(['news', 'features', 'life', 'community'])}/" \
                      f"{day:%Y/%m}/{slug}-{rng.randint(100, 99999)}"
            else:
                url = f"https://{site[1]}/{rng.choice(['news', 'shenghuo', 'wenhua', 'keji'])}/{day:%Y%m}/" \
                      f"{rng.randint(100000, 999999)}.html"
            if url not in self.urls:
                self.urls.add(url)
                return url

    def article_page(self, site, lang: str, doc: dict, charset: str = "utf-8") -> dict:
        """Wrap the article in page chrome; the <article> element depends on `doc` alone."""
        body = _article_html(doc, lang)
        html = self.chrome(site, lang, doc["title"], body, charset)
        units = sum(len(t.split()) if lang == "en" else len(t) for t in T.paragraph_text(doc["blocks"], lang))
        return dict(url=self.url(site, lang, doc["title"]), lang=lang, body=html.encode(charset),
                    content_type=f"text/html; charset={charset}", payload_type="text/html",
                    site=site, doc=doc, units=units)

    def chrome(self, site, lang: str, title: str, main: str, charset: str = "utf-8") -> str:
        rng, c = self.rng, CHROME["en" if lang not in CHROME else lang]
        nav = "".join(f'<li><a href="/{i}/">{name}</a></li>' for i, name in enumerate(c["nav"].split("|")))
        vocab_lang = "zh" if lang == "zh" else "en"
        topics = T.ZH_TOPICS if vocab_lang == "zh" else T.EN_TOPICS
        titles = [T.fill(rng, rng.choice(T.ZH_TITLES if vocab_lang == "zh" else T.EN_TITLES),
                         (T.zh_vocab if vocab_lang == "zh" else T.en_vocab)(rng, rng.choice(sorted(topics))))
                  for _ in range(5)]
        popular = "".join(f'<li><a href="/read/{rng.randint(1000, 9999)}">{t}</a></li>' for t in titles)
        links = "".join(f'<li><a href="/{name.lower().replace(" ", "-")}">{name}</a></li>'
                        for name in c["links"].split("|"))
        year = "2023" if charset == "gbk" else "© 2023"  # GBK has no © sign
        return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | {site[0]}</title>
<link rel="stylesheet" href="/static/css/site.{rng.randint(1000, 9999)}.css">
<script async src="/static/js/analytics.js"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body class="{rng.choice(['post', 'article-page', 'single'])}">
<div id="cookie-banner" class="cookie-consent"><p>{c["cookie"]}</p><button type="button">{c["accept"]}</button></div>
<header class="site-header"><a class="logo" href="/">{site[0]}</a>
<nav class="main-nav"><ul>{nav}</ul></nav>
<form class="search" action="/search"><input type="text" name="q"><button>Search</button></form></header>
<main class="container">
{main}
<aside class="sidebar"><h3>{c["popular"]}</h3><ul>{popular}</ul>
<div class="newsletter"><h3>{c["newsletter"]}</h3><form action="/subscribe"><input type="email" name="email"><button>OK</button></form></div></aside>
</main>
<footer class="site-footer"><ul>{links}</ul><p>{year} {site[0]}. {c["footer"]}</p></footer>
<script>document.querySelectorAll('.cookie-consent button').forEach(function(b){{b.onclick=function(){{b.parentNode.remove();}};}});</script>
</body>
</html>
"""

    def near_copy(self, doc: dict, lang: str) -> dict:
        """One sentence rewritten, one word or number changed, the date moved: what syndication does."""
        rng, doc = self.rng, copy.deepcopy(doc)
        paragraphs = [b[1] for b in doc["blocks"] if b[0] == "p"]
        first = rng.choice(paragraphs)
        first[rng.randrange(len(first))] = T.sentence(rng, lang, doc["topic"])
        second = rng.choice(paragraphs)
        i = rng.randrange(len(second))
        swaps = {"often": "usually", "small": "little", "most": "many", "quickly": "fast", "large": "big",
                 "的时候": "时", "非常": "十分", "很多": "许多", "一定": "务必", "往往": "常常"}
        for old, new in swaps.items():
            if old in second[i]:
                second[i] = second[i].replace(old, new, 1)
                break
        else:
            second[i] = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), second[i], count=1)
        doc["day"] += timedelta(days=rng.randint(1, 30))
        return doc

    def simple_page(self, lang: str, title: str, main: str, sites=None) -> dict:
        site = self.rng.choice(sites or (ZH_SITES if lang == "zh" else EN_SITES))
        return dict(url=self.url(site, "zh" if lang == "zh" else "en", title), lang=lang,
                    body=self.chrome(site, lang, title, main).encode(), content_type="text/html; charset=utf-8",
                    payload_type="text/html")

    # --- the other kinds -------------------------------------------------------------------

    def boilerplate(self, i: int) -> dict:
        rng, lang = self.rng, ("en", "zh")[i % 2]
        words = T.BOILER_EN if lang == "en" else T.BOILER_ZH
        style = i % 3
        if style == 0:
            main = "<ul>" + "".join(f'<li><a href="/{k}">{w}</a></li>' for k, w in enumerate(
                rng.sample(words, 14))) + "</ul>"
        elif style == 1:
            main = (f'<form class="login"><h2>{words[3]}</h2><label>{words[7]}</label><input name="u">'
                    f'<label>{words[8]}</label><input type="password" name="p"><label><input type="checkbox">'
                    f'{words[6]}</label><button>{words[3]}</button><a href="/reset">{words[5]}</a></form>')
        else:
            months = [f"{y}-{m:02d} ({rng.randint(1, 40)})" for y in (2021, 2022) for m in range(1, 13)]
            main = "<div class=\"archive\"><h2>" + words[12] + "</h2><ul>" + "".join(
                f'<li><a href="/archive/{m[:7]}">{m}</a></li>' for m in months) + "</ul></div>"
        return self.simple_page(lang, rng.choice(words[:5]), main)

    def spam_en(self, i: int) -> dict:
        rng, kw = self.rng, T.SPAM_EN_KEYWORDS
        title = " ".join(rng.sample(kw, 4)).title()
        lines = [" ".join(rng.choices(kw, k=rng.randint(8, 16))) for _ in range(rng.randint(8, 20))]
        links = "".join(f'<a href="/p/{rng.randint(1, 999)}">{w} {w} {w}</a> ' for w in rng.sample(kw, 8))
        main = f"<article><h1>{title}</h1>" + "".join(f"<p>{ln}</p>" for ln in lines) + f"<div>{links}</div></article>"
        return self.simple_page("en", title, main)

    def spam_zh(self, i: int) -> dict:
        rng, kw = self.rng, T.SPAM_ZH_KEYWORDS
        title = "".join(rng.sample(kw, 4)) + "官方网站"
        if i % 2:
            doc = T.article(rng, "zh", 500)
            paras = []
            for sentences in (b[1] for b in doc["blocks"] if b[0] == "p"):
                paras.append("".join(f"{s}【{rng.choice(kw)}】" for s in sentences))
            paras.append(f"{rng.choice(kw)}注册送彩金，立即{rng.choice(kw)}，{rng.choice(kw)}最高返水！")
        else:
            paras = [" ".join(rng.choices(kw, k=rng.randint(10, 18))) for _ in range(rng.randint(8, 16))]
        main = f"<article><h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paras) + "</article>"
        return self.simple_page("zh", title, main)

    def other_lang(self, i: int) -> dict:
        rng, lang = self.rng, T.FOREIGN_ORDER[i % len(T.FOREIGN_ORDER)]
        spec = T.FOREIGN[lang]
        names, cities = spec["names"], spec["cities"]
        lines = rng.sample(spec["lines"], rng.randint(7, 10))
        lines = [ln.format(name=rng.choice(names), city=rng.choice(cities), num=rng.randint(3, 40)) for ln in lines]
        cut = len(lines) // 2
        sep = "" if lang == "ja" else " "
        main = (f"<article><h1>{lines[0][:24]}</h1><p>{sep.join(lines[:cut])}</p><p>{sep.join(lines[cut:])}</p>"
                "</article>")
        site = (cities[0] + " Online", f"www.{lang}-{rng.randint(10, 99)}.example.{lang}")
        return self.simple_page(lang, lines[0][:24], main, sites=[site])

    def mixed(self, i: int) -> dict:
        rng = self.rng
        if i % 2 == 0:
            doc = self.doc("zh", rng.randint(900, 1500), topic="software")
            html = _article_html(doc, "zh")
            snippets = ["<pre><code>git clone https://github.com/example/demo.git\ncd demo\npip install -r requirements.txt"
                        "\npython -m pytest -q</code></pre>",
                        "<p>打开 Settings，依次点击 Advanced → Network → Proxy，把 Timeout 改成 30 seconds，然后点击 Save。</p>",
                        "<p>如果终端提示 Permission denied (publickey)，说明 SSH key 还没有添加到 GitHub account。</p>",
                        "<pre><code>docker build -t demo-app .\ndocker run --rm -p 8080:8080 demo-app</code></pre>"]
            html = html.replace("</p>", "</p>" + "".join(rng.sample(snippets, 2)), 2)
            return self.simple_page("zh", doc["title"], html)
        doc = self.doc("en", rng.randint(500, 800), topic="history")
        zh = T.article(rng, "zh", 200, topic="history")
        quote = "".join(zh["blocks"][-1][1] if zh["blocks"][-1][0] == "p" else zh["blocks"][0][1])
        html = _article_html(doc, "en").replace(
            "</p>", "</p><p>The relevant passage in the county gazetteer reads as follows.</p>"
                    f"<blockquote lang=\"zh\">{quote}</blockquote>", 1)
        return self.simple_page("en", doc["title"], html)

    def very_short(self, i: int) -> dict:
        rng, lang = self.rng, ("en", "zh")[i % 2]
        pool = T.SHORT_EN if lang == "en" else T.SHORT_ZH
        lines = rng.sample(pool, rng.randint(1, 2))
        main = "<article><p>" + (" " if lang == "en" else "").join(lines) + "</p></article>"
        return self.simple_page(lang, lines[0][:30], main)

    def non_html(self, i: int) -> dict:
        rng = self.rng
        kind = ("pdf", "png", "bin")[i % 3]
        if kind == "pdf":
            body = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                    + bytes(rng.getrandbits(8) for _ in range(600)) + b"\n%%EOF\n")
            ctype, name = "application/pdf", f"report-{i}.pdf"
        elif kind == "png":
            body = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.getrandbits(8) for _ in range(900))
            ctype, name = "image/png", f"photo-{i}.png"
        else:
            body = bytes(rng.getrandbits(8) for _ in range(1200))
            ctype, name = "application/octet-stream", f"download-{i}.bin"
        url = f"https://{rng.choice(EN_SITES)[1]}/files/{rng.randint(1000, 9999)}/{name}"
        self.urls.add(url)
        return dict(url=url, lang=None, body=body, content_type=ctype, payload_type=ctype)


def _article_html(doc: dict, lang: str) -> str:
    joiner = " " if lang == "en" else ""
    parts = [f"<article>\n<h1>{doc['title']}</h1>",
             f'<p class="byline">{CHROME[lang]["by"]} <span class="author">{doc["author"]}</span> '
             f'<time datetime="{doc["day"]}">{doc["day"]}</time></p>']
    for kind, content in doc["blocks"]:
        parts.append(f"<h2>{content}</h2>" if kind == "h2" else f"<p>{joiner.join(content)}</p>")
    return "\n".join(parts) + "\n</article>"


def _write_warcs(folder: Path, pages: list[dict], rng: random.Random) -> list[dict]:
    """Write the pages as response records (a few with their request), return the labels."""
    labels, per_file = [], -(-len(pages) // len(WARC_FILES))

    def record_id() -> str:
        return f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"

    clock = CRAWL_START
    for f, name in enumerate(WARC_FILES):
        with open(folder / name, "wb") as fh:
            writer = WARCWriter(fh, gzip=True, warc_version="1.0")
            info_id = record_id()
            fields = ("software: thresher demo_corpus\r\nformat: WARC File Format 1.0\r\n"
                      "description: synthetic labelled crawl for tests\r\nisPartOf: thresher-demo\r\n").encode()
            writer.write_record(writer.create_warc_record(
                "", "warcinfo", payload=BytesIO(fields), length=len(fields),
                warc_headers_dict={"WARC-Date": _warc_date(clock), "WARC-Record-ID": info_id, "WARC-Filename": name}))
            for j, page in enumerate(pages[f * per_file:(f + 1) * per_file]):
                clock += timedelta(seconds=rng.randint(1, 90))
                resp_id = record_id()
                if j < 3:  # crawlers keep the request too; readers must skip it
                    _write_request(writer, page["url"], clock, record_id(), resp_id, info_id)
                http = StatusAndHeaders("200 OK", [
                    ("Date", format_datetime(clock, usegmt=True)), ("Server", "nginx"),
                    ("Content-Type", page["content_type"]), ("Content-Length", str(len(page["body"]))),
                    ("Connection", "close")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    page["url"], "response", payload=BytesIO(page["body"]), length=len(page["body"]),
                    http_headers=http, warc_headers_dict={
                        "WARC-Date": _warc_date(clock), "WARC-Record-ID": resp_id, "WARC-Warcinfo-ID": info_id,
                        "WARC-IP-Address": f"192.0.2.{rng.randint(1, 254)}",
                        "WARC-Identified-Payload-Type": page["payload_type"]}))
                label = dict(url=page["url"], record_id=resp_id, kind=page["kind"], lang=page["lang"], file=name)
                if "dup_of" in page:
                    label["dup_of"] = page["dup_of"]
                labels.append(label)
    return labels


def _write_request(writer: WARCWriter, url: str, when: datetime, req_id: str, resp_id: str, info_id: str):
    host, _, path = url.removeprefix("https://").partition("/")
    http = StatusAndHeaders(f"GET /{path} HTTP/1.1", [
        ("Host", host), ("User-Agent", "ThresherDemoBot/1.0"), ("Accept", "text/html,*/*;q=0.8"),
        ("Accept-Encoding", "identity")], is_http_request=True)
    writer.write_record(writer.create_warc_record(url, "request", http_headers=http, warc_headers_dict={
        "WARC-Date": _warc_date(when), "WARC-Record-ID": req_id, "WARC-Concurrent-To": resp_id,
        "WARC-Warcinfo-ID": info_id}))


def _warc_date(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
