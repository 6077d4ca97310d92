package recipe

import (
	"encoding/csv"
	"os"
	"strconv"
)

// LossHistory reads the loss column of a stage's CSV log (train.CSVLog: step,loss,…), so a
// run that was stopped and resumed still gets one loss plot.
func LossHistory(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var out []float64
	for _, r := range rows {
		if len(r) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(r[1], 64); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}
