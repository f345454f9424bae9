package sigma

import (
	"testing"
)

func BenchmarkZZChars(b *testing.B) {
	files := corpusFiles(b)
	var all [][]byte
	n := 0
	for _, d := range files {
		all = append(all, d)
		n += len(d)
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range all {
			fastChars(d)
		}
	}
}

func BenchmarkZZParse(b *testing.B) {
	files := corpusFiles(b)
	var all [][]byte
	n := 0
	for _, d := range files {
		all = append(all, d)
		n += len(d)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range all {
			_, p, ok := fastParse(d)
			if ok {
				p.release()
			}
		}
	}
}
