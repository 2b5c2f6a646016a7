package ews

import (
	"context"
	"encoding/xml"
	"time"
)

type findItemRequest struct {
	XMLName         xml.Name         `xml:"m:FindItem"`
	Traversal       string           `xml:"Traversal,attr"`
	ItemShape       xmlItemShape     `xml:"m:ItemShape"`
	IndexedPage     *xmlIndexedPage  `xml:"m:IndexedPageItemView,omitempty"`
	CalendarView    *xmlCalendarView `xml:"m:CalendarView,omitempty"`
	ParentFolderIDs xmlFolderID      `xml:"m:ParentFolderIds"`
}

type xmlCalendarView struct {
	MaxEntriesReturned int  `xml:"MaxEntriesReturned,attr,omitempty"`
	StartDate          Time `xml:"StartDate,attr"`
	EndDate            Time `xml:"EndDate,attr"`
}

type findItemResponse struct {
	Messages []findItemMessage `xml:"ResponseMessages>FindItemResponseMessage"`
}

type findItemMessage struct {
	ResponseMessage
	RootFolder struct {
		IndexedPagingOffset     int               `xml:"IndexedPagingOffset,attr"`
		TotalItemsInView        int               `xml:"TotalItemsInView,attr"`
		IncludesLastItemInRange bool              `xml:"IncludesLastItemInRange,attr"`
		Items                   []xmlCalendarItem `xml:"Items>CalendarItem"`
	} `xml:"RootFolder"`
}

// MaxCalendarViewSpan is the longest CalendarView window Exchange accepts;
// a longer one fails with ErrorCalendarViewRangeTooBig ("currently 2
// years" in Microsoft's list of response codes). It is counted as 730 days
// so a window crossing a leap day is refused here rather than there.
const MaxCalendarViewSpan = 730 * 24 * time.Hour

// FindItemRequest selects the calendar items of one folder. Exactly one of
// CalendarView and Page must be set.
type FindItemRequest struct {
	Folder FolderID
	// CalendarView expands recurring series into occurrences and returns
	// what overlaps [Start, End). It cannot be paged by offset.
	CalendarView *CalendarView
	// Page lists the items as stored (single items and recurring masters,
	// no occurrences), one page at a time.
	Page *IndexedPage
	// Shape and Fields choose the properties returned; see
	// [CalendarViewFields].
	Shape  Shape
	Fields []string
}

// CalendarView is a time window of a calendar folder.
type CalendarView struct {
	Start, End time.Time
	// MaxEntries caps the number of occurrences returned; zero leaves it
	// to the server.
	MaxEntries int
}

// IndexedPage is one page of a folder listing.
type IndexedPage struct {
	Offset int
	// Max is the page size; zero leaves it to the server, which returns at
	// most MaxPageSize items with its default throttling policy.
	Max int
}

// FindItemResult is what FindItem found.
type FindItemResult struct {
	Items []CalendarItem
	// IncludesLastItemInRange is false when items remain: in a page, fetch
	// the next one from IndexedPagingOffset; in a CalendarView, the window
	// held more than MaxEntries (or than the server's limit) and must be
	// split.
	IncludesLastItemInRange bool
	TotalItemsInView        int
	IndexedPagingOffset     int
}

func newFindItemRequest(r *FindItemRequest) (*findItemRequest, error) {
	const op = "FindItem"
	if r == nil {
		return nil, invalid(op, "request", "nil")
	}
	if r.Folder.ID == "" && r.Folder.Distinguished == "" {
		return nil, invalid(op, "Folder", "no folder ID")
	}
	if (r.CalendarView == nil) == (r.Page == nil) {
		return nil, invalid(op, "CalendarView", "exactly one of CalendarView and Page must be set")
	}
	shape, err := itemShape(r.Shape, r.Fields)
	if err != nil {
		return nil, err
	}
	req := &findItemRequest{Traversal: "Shallow", ItemShape: shape, ParentFolderIDs: r.Folder.xml()}
	if v := r.CalendarView; v != nil {
		switch {
		case v.Start.IsZero() || v.End.IsZero():
			return nil, invalid(op, "CalendarView", "start and end are required")
		case !v.End.After(v.Start):
			return nil, invalid(op, "CalendarView", "end %s is not after start %s", formatTime(v.End), formatTime(v.Start))
		case v.End.Sub(v.Start) > MaxCalendarViewSpan:
			return nil, invalid(op, "CalendarView", "window of %v exceeds Exchange's 2-year limit", v.End.Sub(v.Start))
		case v.MaxEntries < 0:
			return nil, invalid(op, "CalendarView", "MaxEntries %d is negative", v.MaxEntries)
		}
		req.CalendarView = &xmlCalendarView{MaxEntriesReturned: v.MaxEntries, StartDate: Time{v.Start}, EndDate: Time{v.End}}
	} else {
		p := r.Page
		if p.Offset < 0 || p.Max < 0 {
			return nil, invalid(op, "Page", "negative offset %d or size %d", p.Offset, p.Max)
		}
		req.IndexedPage = &xmlIndexedPage{MaxEntriesReturned: p.Max, Offset: p.Offset, BasePoint: "Beginning"}
	}
	return req, nil
}

// FindItem lists the calendar items of r.Folder, either as a CalendarView
// (occurrences of recurring series expanded, within a window of at most
// [MaxCalendarViewSpan]) or page by page.
//
// Exchange bounds every FindItem by the caller's EWSFindCountLimit (1,000
// items by default, shared by the caller's concurrent FindItem requests).
// With a paged request it returns a partial page and
// IncludesLastItemInRange=false, and the caller continues from
// IndexedPagingOffset. A CalendarView has no offset: when it answers
// IncludesLastItemInRange=false the caller splits the window (halving it,
// or restarting at the last returned start) instead of paging. Over the
// limit without any paging, Exchange 2010 and earlier answer
// ErrorServerBusy.
//
// FindItem never returns attendee lists or recurrence patterns, and
// returns only the organizer's name; fetch those with [Client.GetItem].
//
// https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem-operation
func (c *Client) FindItem(ctx context.Context, r *FindItemRequest) (*FindItemResult, error) {
	req, err := newFindItemRequest(r)
	if err != nil {
		return nil, err
	}
	var resp findItemResponse
	if err := c.call(ctx, "FindItem", req, &resp); err != nil {
		return nil, err
	}
	return resp.result()
}

func (r *findItemResponse) result() (*FindItemResult, error) {
	m, err := single("FindItem", r.Messages)
	if err != nil {
		return nil, err
	}
	if err := m.Err(); err != nil {
		return nil, wrapOp("FindItem", err)
	}
	rf := &m.RootFolder
	out := &FindItemResult{
		IncludesLastItemInRange: rf.IncludesLastItemInRange,
		TotalItemsInView:        rf.TotalItemsInView,
		IndexedPagingOffset:     rf.IndexedPagingOffset,
	}
	for i := range rf.Items {
		out.Items = append(out.Items, rf.Items[i].toCalendarItem())
	}
	return out, nil
}
