package demomodel

// UNetConfig is the subset of diffusers' UNet2DConditionModel config the demo UNet honours.
type UNetConfig struct {
	BlockOutChannels []int64 // channels per resolution level
	CrossAttn        []bool  // per down block: CrossAttnDownBlock2D (true) or DownBlock2D
	LayersPerBlock   int     // resnets per down block (up blocks have one more)
	Heads            int64   // attention heads (diffusers' "attention_head_dim" for SD 1.x)
	CrossDim         int64   // encoder_hidden_states width
	NormGroups       int64
	NormEps          float32
}

// CLIPConfig is the subset of transformers' CLIPTextConfig the demo text encoder honours.
type CLIPConfig struct {
	Hidden, Layers, Heads, MLP int64
	Positions                  int64 // max_position_embeddings
	VocabRows                  int64 // token-embedding rows; 0 means exactly the tokenizer's size
}

// VAEConfig is the subset of diffusers' AutoencoderKL config the demo VAE honours. The
// downsampling factor is 2^(len(BlockOutChannels)-1).
type VAEConfig struct {
	BlockOutChannels []int64
	LayersPerBlock   int
	NormGroups       int64
}

// Preset is one named model size with its default image size (square, in pixels).
type Preset struct {
	Name      string
	ImageSize int64
	UNet      UNetConfig
	CLIP      CLIPConfig
	VAE       VAEConfig
}

// LatentSize is the latent side length at the preset's default image size.
func (p Preset) LatentSize() int64 { return p.ImageSize >> (len(p.VAE.BlockOutChannels) - 1) }

// Presets lists the presets from smallest to largest; the values are documented in doc.go.
func Presets() []Preset {
	return []Preset{
		{
			Name: "tiny", ImageSize: 64,
			UNet: UNetConfig{BlockOutChannels: []int64{32, 64}, CrossAttn: []bool{true, false},
				LayersPerBlock: 1, Heads: 2, CrossDim: 32, NormGroups: 8, NormEps: 1e-5},
			CLIP: CLIPConfig{Hidden: 32, Layers: 2, Heads: 2, MLP: 64, Positions: 77},
			VAE:  VAEConfig{BlockOutChannels: []int64{16, 16, 32, 32}, LayersPerBlock: 1, NormGroups: 8},
		},
		{
			Name: "small", ImageSize: 128,
			UNet: UNetConfig{BlockOutChannels: []int64{64, 128, 128}, CrossAttn: []bool{true, true, false},
				LayersPerBlock: 1, Heads: 4, CrossDim: 64, NormGroups: 16, NormEps: 1e-5},
			CLIP: CLIPConfig{Hidden: 64, Layers: 4, Heads: 4, MLP: 256, Positions: 77},
			VAE:  VAEConfig{BlockOutChannels: []int64{32, 32, 64, 64}, LayersPerBlock: 1, NormGroups: 16},
		},
		{
			Name: "sd15", ImageSize: 512,
			UNet: UNetConfig{BlockOutChannels: []int64{320, 640, 1280, 1280},
				CrossAttn:      []bool{true, true, true, false},
				LayersPerBlock: 2, Heads: 8, CrossDim: 768, NormGroups: 32, NormEps: 1e-5},
			CLIP: CLIPConfig{Hidden: 768, Layers: 12, Heads: 12, MLP: 3072, Positions: 77, VocabRows: 49408},
			VAE:  VAEConfig{BlockOutChannels: []int64{128, 256, 512, 512}, LayersPerBlock: 2, NormGroups: 32},
		},
	}
}

func presetNames() []string {
	var names []string
	for _, p := range Presets() {
		names = append(names, p.Name)
	}
	return names
}

func presetByName(name string) Preset {
	for _, p := range Presets() {
		if p.Name == name {
			return p
		}
	}
	return Presets()[0]
}
