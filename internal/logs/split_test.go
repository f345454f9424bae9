package logs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readTrace lists what a reader gives: each event's line and text, each
// event error, in order.
func readTrace(t *testing.T, next func() (*Event, error)) []string {
	var out []string
	for {
		ev, err := next()
		if err == io.EOF {
			return out
		}
		var ee *EventError
		if errors.As(err, &ee) {
			out = append(out, "error "+ee.Error())
			continue
		}
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%d %s", ev.Line, ev.Raw()))
	}
}

// splitLog writes a JSON Lines log with what a reader must cope with:
// broken objects, pretty-printed ones, lines past the limit (some longer
// than a read block), blank and CRLF lines, a byte-order mark.
func splitLog(seed uint64, lines int) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf")
	for i := 0; i < lines; i++ {
		switch rng.IntN(40) {
		case 0:
			b.WriteString(`{"broken": ` + "\n")
		case 1:
			b.WriteString("{\n  \"a\": 1,\n  \"b\": {\"c\": 2}\n}\n")
		case 2:
			b.WriteString(`{"pad":"` + strings.Repeat("x", 300+rng.IntN(200_000)) + "\"}\n")
		case 3:
			b.WriteString("\n  \n")
		case 4:
			fmt.Fprintf(&b, "{\"n\":%d}\r\n", i)
		case 5:
			b.WriteString("not json\n")
		default:
			fmt.Fprintf(&b, "{\"n\":%d,\"s\":\"%s\"}\n", i, strings.Repeat("y", rng.IntN(300)))
		}
	}
	if seed%2 == 0 {
		b.WriteString(`{"last":"no line end"}`)
	}
	return b.Bytes()
}

// TestPiecesReadAsTheWhole: the pieces of a log, read one after the other,
// give the same events, line numbers and errors as one reader over the
// whole log, whatever the piece size.
func TestPiecesReadAsTheWhole(t *testing.T) {
	opts := Options{Format: "jsonl", All: true, MaxEventBytes: 4096}
	for seed := uint64(1); seed <= 4; seed++ {
		data := splitLog(seed, 3000)
		whole, err := NewReader(bytes.NewReader(data), "log", opts)
		require.NoError(t, err)
		want := readTrace(t, whole.Next)
		for _, size := range []int{1, 500, 4 << 10, 64 << 10, 1 << 30} {
			t.Run(fmt.Sprintf("seed=%d/size=%d", seed, size), func(t *testing.T) {
				sp, err := NewSplitter(bytes.NewReader(data), "log", opts, size)
				require.NoError(t, err)
				rd := sp.NewReader()
				var got []string
				var buf []byte
				for {
					p, err := sp.Next(buf)
					if err == io.EOF {
						break
					}
					require.NoError(t, err)
					// Memory stays bounded when pieces reuse it: about the
					// piece size, a block and an event.
					if size < 1<<30 {
						require.LessOrEqual(t, cap(p.Data()), 2*(size+readBlock+3*opts.MaxEventBytes))
					}
					buf = p.Data()
					rd.Reset(p)
					got = append(got, readTrace(t, rd.Next)...)
				}
				require.Equal(t, want, got)
			})
		}
	}
}

// TestPieceMemoryStaysBounded: over a long log read in large reads, pieces
// that reuse their memory do not grow with it.
func TestPieceMemoryStaysBounded(t *testing.T) {
	var b bytes.Buffer
	for i := 0; b.Len() < 48<<20; i++ {
		fmt.Fprintf(&b, "{\"n\":%d,\"s\":\"%s\"}\n", i, strings.Repeat("z", i%300))
	}
	path := filepath.Join(t.TempDir(), "log.jsonl")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	const size = DefaultPieceBytes
	sp, err := NewSplitter(f, "log", Options{Format: "jsonl"}, size)
	require.NoError(t, err)
	var buf []byte
	pieces := 0
	for {
		p, err := sp.Next(buf)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.LessOrEqual(t, cap(p.Data()), 4*(size+readBlock), "piece %d", pieces)
		buf = p.Data()
		pieces++
	}
	require.Greater(t, pieces, 40)
}

// TestWholeLogs: the logs a piece could not start anywhere in are read
// whole: events that may span lines (sysmon-json) and Zeek logs, whose
// tab-separated rows need the #fields header before them. The others are
// cut.
func TestWholeLogs(t *testing.T) {
	for _, c := range []struct {
		format, log string
		whole       bool
	}{
		{SysmonJSON, sysmonNested3 + "\n" + sysmonFlat1 + "\n", true},
		{ZeekHTTP, zeekHTTPLine + "\n", true},
		{ZeekDNS, zeekDNSLine + "\n", true},
		{JSONL, `{"a":1}` + "\n", false},
		{Squid, squidPOST + "\n", false},
	} {
		t.Run(c.format, func(t *testing.T) {
			sp, err := NewSplitter(strings.NewReader(c.log), "log", Options{Format: c.format, All: true}, 0)
			require.NoError(t, err)
			rd := sp.Whole()
			require.Equal(t, c.whole, rd != nil)
			if rd == nil {
				return
			}
			whole, err := NewReader(strings.NewReader(c.log), "log", Options{Format: c.format, All: true})
			require.NoError(t, err)
			require.Equal(t, readTrace(t, whole.Next), readTrace(t, rd.Next))
		})
	}
}
