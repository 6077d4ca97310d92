package scheduler

import "bytes"

// nullNonFinite rewrites the bare tokens NaN, Infinity and -Infinity, which Python's json module
// writes (diffusers saves DPMSolverMultistepScheduler's lambda_min_clipped as -Infinity) but JSON
// does not allow, to null, so the key falls back to its default. Text inside strings is untouched.
func nullNonFinite(data []byte) []byte {
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		ch := data[i]
		if inString {
			out.WriteByte(ch)
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			}
			continue
		}
		if ch == '"' {
			inString = true
		}
		if n := nonFiniteTokenLen(data[i:]); n > 0 {
			out.WriteString("null")
			i += n - 1
			continue
		}
		out.WriteByte(ch)
	}
	return out.Bytes()
}

func nonFiniteTokenLen(b []byte) int {
	for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
		if bytes.HasPrefix(b, []byte(tok)) {
			return len(tok)
		}
	}
	return 0
}
