package convert

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Doc names one input document: where it came from and what it says it is.
type Doc struct {
	// Source is the file the document was read from ("-" for stdin).
	Source string
	// Index counts the documents of Source from 1.
	Index int
	// Item counts the items of a List document from 1; 0 when the document is no List.
	Item       int
	APIVersion string
	Kind       string
	Name       string
}

func (d Doc) String() string {
	what := "document"
	if d.Kind != "" {
		what = fmt.Sprintf("%s %s %q", d.APIVersion, d.Kind, d.Name)
	}
	if d.Item > 0 {
		return fmt.Sprintf("%s, document %d, item %d (%s)", d.Source, d.Index, d.Item, what)
	}
	return fmt.Sprintf("%s, document %d (%s)", d.Source, d.Index, what)
}

// FieldError says why a field of a document has no v1 form.
type FieldError struct {
	Doc Doc
	// Field is the path of the field in the input document; empty for the whole document.
	Field  string
	Detail string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Doc, e.Detail)
	}
	return fmt.Sprintf("%s: %s: %s", e.Doc, e.Field, e.Detail)
}

// FieldErrors returns the FieldErrors in err, which Convert joins with errors.Join.
func FieldErrors(err error) []*FieldError {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*FieldError
		for _, e := range joined.Unwrap() {
			out = append(out, FieldErrors(e)...)
		}
		return out
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return []*FieldError{fe}
	}
	return nil
}

// problems collects the FieldErrors of one conversion.
type problems struct{ errs []error }

func (p *problems) add(doc Doc, path *field.Path, format string, args ...any) {
	e := &FieldError{Doc: doc, Detail: fmt.Sprintf(format, args...)}
	if path != nil {
		e.Field = path.String()
	}
	p.errs = append(p.errs, e)
}

func (p *problems) err() error { return errors.Join(p.errs...) }
