## Campaigns: composing, listing, cancelling, their effect, and what members receive.

campaign-members = { $count ->
    [one] { $count } member
   *[other] { $count } members
}

## What a member receives with a campaign

campaign-offer = 🎁 <b>{ $title }</b>
    { $description }
campaign-coupon = Your coupon code: <code>{ $code }</code>, valid until { $date }
campaign-coupon-sample = XXXXXXXX

## The guided dialogue

campaign-ask-segment = <b>New campaign, step 1 of 5.</b> Who should receive it? The numbers count members who agreed to receive offers. You can also type a segment name.
campaign-segment-button = { $segment } · { $size }
campaign-ask-text = <b>Step 2 of 5.</b> Send the message text exactly as members should see it (bold, italics and links are kept). To add a picture, send a photo with the text as its caption.
campaign-ask-offer = <b>Step 3 of 5.</b> Should the message carry an offer? With an offer that costs no points, each recipient gets their own coupon code.
campaign-offer-none = No offer
campaign-offer-personal = ✨ Each member's own best offer
campaign-ask-when = <b>Step 4 of 5.</b> When should it go out? Tap "Now" or type a date and time in { $zone }, like <code>{ $example }</code>.
campaign-when-now = Now
campaign-ask-holdout = <b>Step 5 of 5.</b> What share of the audience should receive nothing, as a control group to measure the effect? Tap a share or type a number from 0 to { $limit }.
campaign-holdout-button = { $percent }%
campaign-preview = This is how members will see it:
campaign-preview-personal = Each member will see their own best offer and coupon below the text.
campaign-summary =
    <b>Ready to go</b>
    Audience: { $segment } ({ campaign-members })
    When: { $when }
    Offer: { $offer }
    Control group: { $holdout }%
campaign-summary-now = now
campaign-confirm = ✅ Confirm
campaign-abort = ✖ Cancel
campaign-aborted = Nothing was sent. Start again with /campaign.
campaign-dialogue-expired = This draft is no longer open. Start again with /campaign.
campaign-not-a-segment = There is no segment "{ $segment }". Tap one of the buttons or type one of: { $segments }.
campaign-bad-holdout-number = Please type a whole number from 0 to { $limit }, like <code>10</code>.

## Created, listed, cancelled

campaign-created-now = Campaign #{ $id } is starting now for { $segment }. /campaigns shows its progress.
campaign-created-later = Campaign #{ $id } for { $segment } is scheduled for { $when } ({ $zone }). /campaign_cancel { $id } cancels it.
campaign-quiet-hours = Quiet hours are on until { $until }: messages wait until then.
campaign-usage =
    To compose a campaign step by step, send /campaign alone. In one line:
    <code>/campaign &lt;segment&gt; &lt;when&gt; [offer=&lt;id&gt;] [holdout=&lt;percent&gt;] | &lt;text&gt;</code>
    For example: <code>/campaign at_risk 2026-12-01 10:00 offer=comeback_20 holdout=10 | We miss you!</code>
    &lt;when&gt; is <code>now</code> or a date and time in { $zone }.
campaign-bad-time = "{ $value }" is not a time I understand. Type <code>now</code> or a date and time in { $zone }, like <code>{ $example }</code>.
campaign-bad-option = I don't know the option "{ $option }". Use <code>offer=&lt;id&gt;</code> and <code>holdout=&lt;percent&gt;</code>, like <code>offer=comeback_20 holdout=10</code>.
campaign-id-usage = Type the campaign's number, like <code>/{ $command } 12</code>. /campaigns lists them.
campaign-list-empty = No campaigns yet. /campaign composes one.
campaign-list-title = <b>Campaigns</b> (newest first):
campaign-list-line = #{ $id } · { $status } · { $segment } · { $when }
campaign-list-progress = { $done } of { $audience } done: { $sent } sent, { $held_out } in the control group
campaign-status-scheduled = 🕒 scheduled
campaign-status-running = ▶️ sending
campaign-status-done = ✅ done
campaign-status-cancelled = ✖ cancelled
campaign-kind-birthday = birthday greetings
campaign-kind-expiring_points = points expiring
campaign-kind-win_back = win-back
campaign-cancelled = Campaign #{ $id } is cancelled: { campaign-members } who had not received it yet will not.
campaign-finished =
    Campaign #{ $id } has finished.
    Sent: { $sent }, blocked the bot: { $blocked }, failed: { $failed }, unknown: { $unknown }, control group: { $held_out }.
    /campaign_stats { $id } shows its effect.

## Delivery and effect

campaign-stats-title = <b>Campaign #{ $id }</b> · { $status } · { $segment }
campaign-stats-delivery =
    Delivered: { $sent }
    Blocked the bot: { $blocked }
    Failed: { $failed }
    Unknown (the bot stopped mid-send): { $unknown }
    Skipped (opted out before their turn): { $skipped }
    Held out (control group): { $held_out }
    Still to send: { $waiting }
campaign-stats-not-started = It has not started yet: it goes out on { $when }.
campaign-stats-effect =
    <b>Effect over { $days } days</b> (from { $since } to { $until }):
    Recipients: { $recipients_rate }% bought, { $recipients_spend } { $currency } per member
    Control group: { $holdout_rate }% bought, { $holdout_spend } { $currency } per member
    Difference: { $rate_diff } percentage points, { $spend_diff } { $currency } per member
    Coupons: { $issued } issued, { $redeemed } redeemed
campaign-stats-no-holdout = There is no control group, so the difference cannot be measured.
campaign-chart-title = Cumulative purchases per 100 members
campaign-chart-recipients = Recipients
campaign-chart-holdout = Control group
campaign-chart-day = Days since the campaign started

## Refusals

error-campaign-segment = There is no segment "{ $segment }". Use one of: { $segments }.
error-campaign-text-empty = The message is empty. Type the text members should receive, like <code>/campaign all now | Fresh croissants today!</code>
error-campaign-text-long = The text is { $length } characters long; keep it within { $limit } so that it fits in one message.
error-campaign-offer = There is no offer "{ $offer }". Use one of: { $offers }.
error-campaign-holdout = The control group must be from 0 to { $limit } percent, not { $percent }. For example: <code>holdout=10</code>.
error-campaign-past = { $when } has already passed. Type <code>now</code> or a time in the future.
error-campaign-not-found = There is no campaign #{ $campaign }. /campaigns lists them.
error-campaign-not-cancellable = Campaign #{ $campaign } is already { $status }: there is nothing to cancel.
