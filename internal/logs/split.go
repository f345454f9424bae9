package logs

import (
	"bufio"
	"bytes"
	"io"
	"slices"
)

// DefaultPieceBytes is about how much of a log one Piece holds.
const DefaultPieceBytes = 1 << 20

// A Splitter cuts a log (gzip or not) into pieces that can be read on their
// own, so that several goroutines can read one log. The reader recovers
// line by line (a line that is not an event is one error, and reading
// resumes at the next line), so a piece can start at any line: each piece
// is whole lines. A hunt reads every log through a Splitter whatever the
// number of goroutines, so that the pieces, and what is read from them,
// are the same for one goroutine as for many.
//
// Two kinds of log cannot be cut: those whose events may span lines
// (Format.Multiline) and Zeek logs, whose tab-separated form is read by
// the #fields header before it. Whole gives their stream reader instead.
type Splitter struct {
	name   string
	opts   Options
	format *Format
	src    *Reader // the stream: its gzip layer, counter and closers
	size   int
	lineNo int
	first  bool
	carry  []byte // bytes read past the last cut
	eof    bool
	// tooLong are the too-long lines dropped but not yet handed out.
	tooLong []int
}

// Piece is one part of a log cut by a Splitter.
type Piece struct {
	data  []byte
	first bool // starts the log, where a byte-order mark may be
	// lineNo is the number of the line before the piece's first.
	lineNo int
	// tooLong are the lines longer than the event limit: the splitter
	// drops their text (an empty line stands in) and the reader reports
	// them as the stream reader does.
	tooLong []int
	// Read is how much of the input (compressed, for gzip) had been read
	// when the piece was cut: a progress figure.
	Read int64
}

// Data is the piece's text; its memory may be handed to Splitter.Next
// again once the piece has been read.
func (p *Piece) Data() []byte { return p.data }

// NewSplitter opens a log stream for splitting; it detects gzip and the
// format as NewReader does. size is about how many bytes a piece holds
// (DefaultPieceBytes when 0).
func NewSplitter(in io.Reader, name string, opts Options, size int) (*Splitter, error) {
	src, err := NewReader(in, name, opts)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		size = DefaultPieceBytes
	}
	opts.Format = src.format.Name
	return &Splitter{name: name, opts: opts, format: src.format, src: src, size: size, first: true}, nil
}

// Format is the log's format.
func (s *Splitter) Format() *Format { return s.format }

// Whole is the stream reader of a log that cannot be cut into pieces
// (see Splitter), or nil: such a log is read as a whole, in order.
func (s *Splitter) Whole() *Reader {
	if s.format.Multiline || s.format.Product == "zeek" {
		return s.src
	}
	return nil
}

// BytesRead is how much of the input (compressed, for gzip) has been read.
func (s *Splitter) BytesRead() int64 { return s.src.BytesRead() }

// Close releases what the stream holds (a gzip reader; not the input).
func (s *Splitter) Close() error { return s.src.Close() }

// NewReader makes a reader for the splitter's pieces (Reset it with one),
// for one goroutine.
func (s *Splitter) NewReader() *Reader {
	r, _ := NewReader(bytes.NewReader(nil), s.name, s.opts)
	return r
}

// Next cuts the next piece, reusing buf's memory for its text; io.EOF
// ends the log. Another error is the input's (an I/O error, a corrupt
// gzip stream, a hunt's timeout): it comes with the whole lines read
// before it, which are a piece to read all the same.
func (s *Splitter) Next(buf []byte) (Piece, error) {
	p := Piece{data: append(buf[:0], s.carry...), first: s.first, lineNo: s.lineNo}
	s.first = false
	var err error
	p.data, err = s.fill(p.data, p.lineNo)
	cut := len(p.data)
	if !s.eof {
		cut = bytes.LastIndexByte(p.data, '\n') + 1
	}
	s.carry = append(s.carry[:0], p.data[cut:]...)
	p.data = p.data[:cut]
	p.Read = s.src.BytesRead()
	s.lineNo = p.lineNo + bytes.Count(p.data, []byte{'\n'})
	rest := s.tooLong[:0]
	for _, n := range s.tooLong {
		if n <= s.lineNo {
			p.tooLong = append(p.tooLong, n)
		} else {
			rest = append(rest, n)
		}
	}
	s.tooLong = rest
	if err == nil && len(p.data) == 0 && s.eof {
		return p, io.EOF
	}
	return p, err
}

// fill reads into data, in blocks, until it holds a piece's size and a
// line end, or the input ends; lineNo is the number of the line before
// data's first. A line longer than the event limit is dropped as it is
// read, an empty line standing in for it, so that memory stays bounded.
func (s *Splitter) fill(data []byte, lineNo int) ([]byte, error) {
	br := s.src.br
	lineStart := bytes.LastIndexByte(data, '\n') + 1
	limit := s.src.max + 2 // a line with its line end, at most
	for !s.eof && (len(data) < s.size || lineStart == 0) {
		// One block at a time, however much room there is: a piece must
		// not grow with the memory it happens to reuse.
		data = slices.Grow(data, readBlock)
		n, err := br.Read(data[len(data) : len(data)+readBlock])
		data = data[:len(data)+n]
		for {
			i := bytes.IndexByte(data[lineStart:], '\n')
			if i < 0 {
				break
			}
			if i+1 > limit {
				s.tooLong = append(s.tooLong, lineNo+bytes.Count(data[:lineStart], []byte{'\n'})+1)
				data = append(data[:lineStart+1], data[lineStart+i+1:]...)
				data[lineStart] = '\n'
				i = 0
			}
			lineStart += i + 1
		}
		if len(data)-lineStart > limit {
			// A line too long, not ended yet: skip the rest of it.
			s.tooLong = append(s.tooLong, lineNo+bytes.Count(data[:lineStart], []byte{'\n'})+1)
			data = data[:lineStart]
			for err == nil {
				if _, err = br.ReadSlice('\n'); err == nil {
					break // its line end
				}
				if err == bufio.ErrBufferFull {
					err = nil
				}
			}
			data = append(data, '\n')
			lineStart = len(data)
		}
		switch err {
		case nil:
		case io.EOF:
			s.eof = true
		default:
			return data, err
		}
	}
	return data, nil
}

// readBlock is how much fill reads at a time.
const readBlock = 64 << 10

// Reset makes the reader read a piece (of the Splitter that made it): its
// events, their line numbers as in the whole log, and its too-long lines
// reported as a stream reader reports them. The piece's text must stay
// unchanged until the reader is done with it.
func (r *Reader) Reset(p Piece) {
	r.inPiece, r.piece, r.tooLong = true, p.data, p.tooLong
	r.lineNo, r.firstRow = p.lineNo, p.first
	r.pending, r.resync, r.resyncLines = r.pending[:0], false, 0
}
