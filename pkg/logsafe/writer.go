package logsafe

import (
	"bytes"
	"io"
	"sync"
)

// Writer passes text on to W line by line, each line made safe with Line:
// for streams whose every line may be outside text (a container's output, a
// tool's stderr). Line breaks written to it are kept; everything else that
// could act as a command or leave the line is neutralised. A partial last
// line waits for its line break or Flush. Writer is safe for concurrent use.
type Writer struct {
	W io.Writer

	mu  sync.Mutex
	buf []byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// maxLine bounds the bytes kept for a line without a line break; longer
// lines are passed on in pieces, each made safe on its own.
const maxLine = 64 << 10

// Write takes p and passes on every line it completes. It returns len(p)
// unless W fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	var out []byte
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) < maxLine {
				break
			}
			i = maxLine
			out = append(out, Line(string(w.buf[:i]))...)
			out = append(out, '\n')
			w.buf = w.buf[i:]
			continue
		}
		out = append(out, Line(string(bytes.TrimSuffix(w.buf[:i], []byte("\r"))))...)
		out = append(out, '\n')
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) == 0 {
		w.buf = nil
	}
	if len(out) == 0 {
		return len(p), nil
	}
	if _, err := w.W.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush passes on a last line that has no line break, ending it with one.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) == 0 {
		return nil
	}
	line := Line(string(w.buf)) + "\n"
	w.buf = nil
	_, err := io.WriteString(w.W, line)
	return err
}
