// Package prompt reads AUTOMATIC1111's prompt syntax and turns a prompt into what the text
// encoder sees.
//
// Three layers, each following one function of stable-diffusion-webui:
//
//   - Schedule: prompt editing [from:to:when] and alternation [a|b] give one plain prompt per
//     range of steps (modules/prompt_parser.py, get_learned_conditioning_prompt_schedules).
//   - ParseAttention: emphasis (x) ×1.1, [x] ÷1.1, (x:w), escapes and BREAK give runs of text
//     with a weight (modules/prompt_parser.py, parse_prompt_attention).
//   - Chunks: the runs become chunks of 75 tokens between a start and an end token, with a
//     weight per position, BREAK starting a chunk and a comma near the end of a full chunk
//     moving the words after it to the next chunk (modules/sd_hijack_clip.py,
//     FrozenCLIPEmbedderWithCustomWordsBase.tokenize_line).
//
// Emphasize applies the weights to the encoder's output as A1111's "Original" emphasis does
// (modules/sd_emphasis.py, EmphasisOriginal.after_transformers).
//
// The package is pure Go: it knows the vocabulary only through the Vocabulary interface and
// never runs a model.
package prompt
