#!/usr/bin/env python3
"""Regenerates clip_golden.jsonl: prompts and their ids from an independent implementation.

This follows openai/CLIP's clip/simple_tokenizer.py step by step (MIT licence), run with the
same Python `regex` and `html` modules and Python's own str.lower, but without ftfy, which
nudge does not apply. Run from this folder:  python3 gen_golden.py > clip_golden.jsonl
"""
import gzip
import html
import json
import sys

import regex

BPE = "../data/bpe_simple_vocab_16e6.txt.gz"


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    return {(a, b) for a, b in zip(word, word[1:])}


class SimpleTokenizer:
    def __init__(self, path):
        self.byte_encoder = bytes_to_unicode()
        merges = gzip.open(path).read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
        merges = [tuple(m.split()) for m in merges]
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + "</w>" for v in vocab]
        vocab += ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}
        self.pat = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = get_pairs(word)
        if not pairs:
            return token + "</w>"
        while True:
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        text = html.unescape(html.unescape(text)).strip()
        text = regex.sub(r"\s+", " ", text).strip().lower()
        ids = [self.encoder["<|startoftext|>"]]
        for token in regex.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return ids + [self.encoder["<|endoftext|>"]]


PROMPTS = [
    "a photo of a cat",
    "A Photo Of A CAT",
    "an astronaut riding a horse on the moon, highly detailed, 8k, trending on artstation",
    "  leading and trailing spaces\t\n",
    "tabs\tand\nnewlines\r\nand\u3000ideographic\u00a0no-break\u2009thin spaces",
    "it's what they're doing, we've seen I'm sure you'll see he'd go",
    "IT'S LOUD, THEY'RE HERE, I'LL GO",
    "''s ' 't rock'n'roll o'clock",
    "price: $1,234.56 — 100% off!!! #1 @user ~tilde~ ^caret^ `code`",
    "(masterpiece:1.2), [bad hands], {braces}, <angle>, a|b, back\\slash",
    "café crème brûlée naïve façade Ångström",
    "Straße ÆØÅ ĳ œuvre",
    "İstanbul DİYARBAKIR ΟΔΥΣΣΕΥΣ ΣΑ.Σ Σ ΑΣ' σοφία",
    "東京タワーと富士山、夜景、高画質",
    "서울의 밤 풍경",
    "Москва зимой, снег",
    "مدينة عربية في الليل",
    "हिन्दी पाठ और ३ अंक",
    "emoji 🐱🐶 cat🐱dog 👩‍👩‍👧 🇫🇷 👍🏽 ❤️",
    "digits 0123456789 ٣ ² ½ Ⅻ 〇",
    "&amp; &lt;tag&gt; &quot;quoted&quot; &#39;apos&#39; &#x263A; &copy &notit; &amp;amp;",
    "&#0; &#1;x &#128; &#x9F; &#xD800; &#1114112; &#xFFFE; &#65 &#x41; &ampx &#x; &;",
    "<|startoftext|>a cat<|endoftext|> <|STARTOFTEXT|> <|endoftext|>",
    "zero\u200bwidth joiner\u200dx combining e\u0301 RTL\u202eoverride",
    "control \x01\x1b[31mred\x1b[0m \x7f \x1c sep\x1fx",
    "ypogegrammeni \u0345 a\u0345b \u1fb3 'ſ <|ſtartoftext|> \u212a kelvin \u0130\u0130",
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "",
    "   ",
    "a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a",
    "a highly detailed matte painting of a medieval castle on a cliff above a stormy sea at sunset, "
    "dramatic lighting, volumetric clouds, crashing waves, seagulls, by greg rutkowski and thomas kinkade, "
    "trending on artstation, unreal engine 5, octane render, 8k uhd, sharp focus, intricate details, "
    "cinematic composition, golden hour, wide angle lens, hyperrealistic, award winning photograph",
]

if __name__ == "__main__":
    tok = SimpleTokenizer(BPE)
    for p in PROMPTS:
        sys.stdout.write(json.dumps({"prompt": p, "ids": tok.encode(p)}) + "\n")
