package session

import "strings"

// a1111Samplers maps A1111 sampler names to nudge schedulers. A1111 before 1.9 folded the
// Karras schedule into the name ("DPM++ 2M Karras"); later versions write it separately as
// "Schedule type: Karras" (A1111 modules/sd_samplers_kdiffusion.py). PLMS is the PNDM family's
// linear multistep part, which is what diffusers' PNDM runs with skip_prk_steps (the SD 1.5
// default). A1111 names the Latent Consistency Model sampler "LCM" (1.7 and later).
func a1111Samplers() map[string]string {
	return map[string]string{
		"Euler a": "euler_a", "Euler": "euler", "DDIM": "ddim", "PLMS": "pndm", "PNDM": "pndm",
		"LMS": "lms", "Heun": "heun", "DPM++ 2M": "dpmpp_2m", "UniPC": "unipc", "DDPM": "ddpm",
		"LCM": "lcm",
	}
}

// SchedulerFromA1111 maps an A1111 (or sd.cpp) sampler name to a nudge scheduler and
// whether it asks for Karras σ spacing; ok is false for samplers nudge does not have.
func SchedulerFromA1111(name string) (scheduler string, karras, ok bool) {
	name = strings.TrimSpace(name)
	if base, found := strings.CutSuffix(name, " Karras"); found {
		name, karras = base, true
	}
	if s, found := a1111Samplers()[name]; found {
		return s, karras, true
	}
	// sd.cpp writes its own names, optionally followed by its scheduler: "euler_a karras".
	fields := strings.Fields(strings.ToLower(name))
	if len(fields) == 0 {
		return "", false, false
	}
	for _, s := range Schedulers() {
		if fields[0] == s {
			return s, karras || (len(fields) > 1 && fields[1] == "karras"), true
		}
	}
	return "", false, false
}

// A1111SamplerName is the A1111 name for a nudge scheduler (without the schedule type).
func A1111SamplerName(scheduler string) string {
	best := ""
	for name, s := range a1111Samplers() {
		if s == scheduler && (best == "" || name < best) {
			best = name
		}
	}
	if best == "" {
		return scheduler
	}
	return best
}
