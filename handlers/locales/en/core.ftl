## Texts every feature shares: the menu, help, refusals and errors.

points = { $points ->
    [one] { $points } point
   *[other] { $points } points
}

cmd-start = Join the programme or open the main menu
cmd-card = Show my member card
cmd-balance = My points and tier
cmd-history = Where my points came from and went
cmd-offers = Offers picked for me
cmd-invite = Invite a friend
cmd-settings = Language, messages, birthday
cmd-mydata = Download my data
cmd-forget = Delete my data
cmd-stop = Stop promotional messages
cmd-help = What this bot can do
cmd-sale = Record a purchase: /sale member amount [category] [#receipt]
cmd-redeem = Spend points or use a coupon
cmd-refund = Reverse a sale: /refund #receipt
cmd-member = A member's card: /member number|phone|code
cmd-campaign = Compose a campaign
cmd-campaigns = Campaigns and their status
cmd-campaign_stats = A campaign's delivery and effect
cmd-campaign_cancel = Cancel a campaign
cmd-stats = Programme figures
cmd-flags = Entries members reported as "not me"
cmd-staff = Add or remove staff
cmd-console = Open the console

menu-card = 💳 Card
menu-balance = ⭐ Balance
menu-offers = 🎁 Offers
menu-history = 📜 History
menu-invite = 👥 Invite
menu-settings = ⚙️ Settings

help-intro = <b>Here is what I can do:</b>
help-staff = <b>For staff:</b>

private-only = I work in a private chat only: nothing written here is read or kept. Write to me at { $link }
slow-down = You are sending messages too fast: this one was not read. Send it again in { $seconds } seconds.
not-recorded = Not recorded: too many messages at once. Send it again in { $seconds } s.
join-first = You are not a member yet. Tap /start to join the programme.
unknown-command = I don't know that command. /help lists what I can do.
unknown-text = I didn't understand that. Use the menu buttons below or /help.
staff-only = This command is for staff only.
role-too-low = Your role ({ $role }) cannot do this. Ask the owner if you need it.
button-stale = This button is no longer active. Please start again from the menu.
already-member = You are already a member.

error-internal = Something went wrong on our side. Please try again in a minute.
error-error = That did not work. Please try again.
error-not-a-member = You are not a member yet. Tap /start to join.
error-unknown-member = No member found for { $member }. Check the member number, phone or card code.
error-member-number-mistyped = Check the number: a member number ends with a dash and a check digit (like 104-1), and this one is missing it or it does not match. Type the number exactly as the member's card shows it, or their phone number.
error-member-forgotten = This member has deleted their data and left the programme.
error-insufficient-points = Not enough points: the balance is { $balance }, { $asked } were asked.
error-card-invalid = This card code is not valid. Ask the member to open /card and scan it again.
error-card-expired = This card code has expired. Ask the member to open /card again: the QR code renews every few minutes.
error-contact-not-yours = Please share your own contact with the button below, not someone else's.
