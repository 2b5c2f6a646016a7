#!/usr/bin/python3
"""Drive the EWS simulator with exchangelib, an EWS client we did not write.

Run with Debian's interpreter and package (python3-exchangelib 4.9.0):

    /usr/bin/python3 exchangelib_check.py --url http://127.0.0.1:PORT/EWS/Exchange.asmx \
        --user svc-roomboard@contoso.com --password ... --mailbox someone@contoso.com

Every step prints one JSON line {"step": ..., "ok": true, ...results}. The
first failing step prints {"step": ..., "ok": false, "error": ...} and the
script exits 1. With --pause, the script reads one line from stdin after the
create, update and delete steps, so that the caller (exchangelib_test.go) can
look at the simulator's state at that moment.

It deliberately uses exchangelib's high-level API the way an application
would (account.calendar, CalendarItem.save, protocol.get_free_busy_info), so
the simulator has to answer every request exchangelib makes on the way,
including the ones we would not have thought of (GetFolder, GetServerTimeZones).
"""

import argparse
import datetime
import json
import sys
import time
import traceback

from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    Account,
    Build,
    CalendarItem,
    Configuration,
    Credentials,
    EWSDateTime,
    EWSTimeZone,
    Version,
)
from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY, SEND_TO_NONE
from exchangelib.properties import CreatedEvent, DeletedEvent, ModifiedEvent, MovedEvent

# Exchange 2019 CU14, as the simulator reports itself.
EXCHANGE_BUILD = Build(15, 2, 1544, 4)

SUBJECT = "Quartalsplanung Büro Zürich / 北京辦公室 (exchangelib)"
SUBJECT_UPDATED = SUBJECT + " – verschoben"
STREAM_SUBJECT = "Streaming-Prüfung 通知测试 (exchangelib)"


def emit(step, **fields):
    print(json.dumps(dict(step=step, ok=True, **fields), ensure_ascii=False, default=str), flush=True)


def fail(step, err):
    print(
        json.dumps(dict(step=step, ok=False, error=f"{type(err).__name__}: {err}"), ensure_ascii=False),
        flush=True,
    )
    traceback.print_exc(file=sys.stderr)
    sys.exit(1)


def pause(args):
    if args.pause:
        sys.stdin.readline()


def parse_time(s, tz):
    dt = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return EWSDateTime.from_datetime(dt).astimezone(tz)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--mailbox", required=True, help="primary SMTP address of the mailbox to act on")
    p.add_argument("--access-type", choices=["delegate", "impersonation"], default="delegate")
    p.add_argument("--view-mailbox", help="mailbox whose calendar view is read (default: --mailbox)")
    p.add_argument("--meeting-start", help="start of the created meeting, RFC 3339 (default: start + 1 day)")
    p.add_argument("--start", help="calendar/availability window start, RFC 3339 (default: now)")
    p.add_argument("--end", help="window end, RFC 3339 (default: start + 7 days)")
    p.add_argument("--stream-timeout", type=float, default=60, help="seconds to wait for a streaming event")
    p.add_argument("--pause", action="store_true", help="read a line from stdin after create, update, delete")
    args = p.parse_args()

    utc = EWSTimeZone("UTC")
    start = parse_time(args.start, utc) if args.start else EWSDateTime.now(tz=utc).replace(microsecond=0)
    end = parse_time(args.end, utc) if args.end else start + datetime.timedelta(days=7)

    step = "connect"
    account = None
    try:
        config = Configuration(
            service_endpoint=args.url,
            credentials=Credentials(args.user, args.password),
            auth_type=BASIC,
            version=Version(build=EXCHANGE_BUILD),
            max_connections=4,
        )
        account = Account(
            primary_smtp_address=args.mailbox,
            config=config,
            autodiscover=False,
            access_type=IMPERSONATION if args.access_type == "impersonation" else DELEGATE,
            default_timezone=utc,
        )
        protocol = account.protocol
        emit(step, api_version=protocol.version.api_version)

        step = "roomlists"
        roomlists = sorted(rl.email_address for rl in protocol.get_roomlists())
        emit(step, count=len(roomlists), addresses=roomlists)

        step = "rooms"
        rooms = {}
        for rl in roomlists:
            rooms[rl] = sorted(r.email_address for r in protocol.get_rooms(rl))
        emit(step, count=sum(len(v) for v in rooms.values()), by_list=rooms)
        all_rooms = sorted({r for v in rooms.values() for r in v})

        step = "calendar_folder"
        cal = account.calendar
        emit(step, folder_id=cal.id, name=cal.name, total_count=cal.total_count)

        step = "calendar_view"
        view_cal = cal
        if args.view_mailbox and args.view_mailbox.lower() != args.mailbox.lower():
            # Another mailbox's calendar (a room's), as a delegate reads it.
            view_cal = Account(
                primary_smtp_address=args.view_mailbox,
                config=config,
                autodiscover=False,
                access_type=DELEGATE,
                default_timezone=utc,
            ).calendar
        view = list(view_cal.view(start=start, end=end))
        emit(
            step,
            mailbox=args.view_mailbox or args.mailbox,
            count=len(view),
            start=start.isoformat(),
            end=end.isoformat(),
            items=[dict(subject=i.subject, start=i.start.isoformat(), end=i.end.isoformat()) for i in view[:5]],
        )

        step = "create"
        if args.meeting_start:
            m_start = parse_time(args.meeting_start, utc)
        else:
            m_start = (start + datetime.timedelta(days=1)).replace(minute=0, second=0)
        m_end = m_start + datetime.timedelta(hours=1)
        item = CalendarItem(
            account=account,
            folder=cal,
            subject=SUBJECT,
            body="Agenda: Budget, Räume, 会议室",
            start=m_start,
            end=m_end,
            location=all_rooms[0] if all_rooms else "",
            resources=all_rooms[:1],
        )
        # Invitations go out, so the room receives and auto-accepts the
        # booking, as when Roomboard books a room.
        item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
        emit(
            step,
            item_id=item.id,
            changekey=item.changekey,
            subject=item.subject,
            start=m_start.isoformat(),
            end=m_end.isoformat(),
            room=all_rooms[0] if all_rooms else None,
        )
        pause(args)

        step = "update"
        item.subject = SUBJECT_UPDATED
        item.end = m_end + datetime.timedelta(minutes=30)
        item.save(update_fields=["subject", "end"], send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
        item.refresh()
        emit(step, item_id=item.id, changekey=item.changekey, subject=item.subject, end=item.end.isoformat())
        pause(args)

        step = "delete"
        item_id, changekey = item.id, item.changekey
        item.delete(send_meeting_cancellations=SEND_TO_ALL_AND_SAVE_COPY)
        after = list(account.fetch(ids=[(item_id, changekey)]))
        gone = len(after) == 1 and isinstance(after[0], Exception)
        if not gone:
            raise AssertionError(f"item still readable after delete: {after!r}")
        emit(step, item_id=item_id, gone=gone, fetch_error=type(after[0]).__name__)
        pause(args)

        step = "availability"
        targets = all_rooms[:3] or [args.mailbox]
        views = list(
            protocol.get_free_busy_info(
                accounts=[(a, "Resource" if a in all_rooms else "Required", False) for a in targets],
                start=start,
                end=end,
                merged_free_busy_interval=30,
                requested_view="DetailedMerged",
            )
        )
        result = []
        for a, v in zip(targets, views):
            if isinstance(v, Exception):
                result.append(dict(mailbox=a, error=f"{type(v).__name__}: {v}"))
                continue
            result.append(
                dict(
                    mailbox=a,
                    view_type=v.view_type,
                    merged_len=len(v.merged or ""),
                    events=len(v.calendar_events or []),
                )
            )
        emit(step, count=len(views), views=result)

        step = "streaming"
        sub_id = cal.subscribe_to_streaming()
        # The first change happens before the stream opens: Exchange queues
        # events for a subscription until a GetStreamingEvents picks them up.
        # The second (the delete) happens while the stream is open.
        s_item = CalendarItem(
            account=account,
            folder=cal,
            subject=STREAM_SUBJECT,
            start=m_start + datetime.timedelta(hours=3),
            end=m_start + datetime.timedelta(hours=4),
        )
        s_item.save(send_meeting_invitations=SEND_TO_NONE)
        s_item_id = s_item.id
        deadline = time.monotonic() + args.stream_timeout
        seen, created, deleted = [], None, None
        events = cal.get_streaming_events(sub_id, connection_timeout=1)
        try:
            for notification in events:
                for ev in notification.events:
                    ev_item = getattr(ev, "item_id", None)
                    ev_id = ev_item.id if ev_item else None
                    seen.append(dict(type=type(ev).__name__, item_id=ev_id))
                    if ev_id != s_item_id:
                        continue
                    if isinstance(ev, (CreatedEvent, ModifiedEvent)) and not created:
                        created = type(ev).__name__
                    elif isinstance(ev, (DeletedEvent, MovedEvent)) and s_item.id is None:
                        deleted = type(ev).__name__
                if created and s_item.id is not None:
                    # The stream is open now: a change made while it is
                    # connected must arrive on it without a new request.
                    s_item.delete(send_meeting_cancellations=SEND_TO_NONE)
                if deleted or time.monotonic() > deadline:
                    break
        finally:
            events.close()
        cal.unsubscribe(sub_id)
        if s_item.id is not None:
            s_item.delete(send_meeting_cancellations=SEND_TO_NONE)
        if not created or not deleted:
            raise AssertionError(
                f"item {s_item_id}: queued event {created}, live event {deleted} within {args.stream_timeout}s; saw {seen}"
            )
        emit(step, subscription_id=sub_id, item_id=s_item_id, event=created, live_event=deleted, events=seen)
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - report any failure as the step's error
        fail(step, e)
    finally:
        if account is not None:
            account.protocol.close()


if __name__ == "__main__":
    main()
