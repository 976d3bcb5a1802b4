//! Who is here, who has the floor, and the queue of raised hands.
//!
//! The floor is one thing on every screen: in the closing round it is whoever's turn
//! it is (the room's state makes them the same), and the person who has it reads
//! "C'est à vous", here and in the phone's floor bar.

use super::{Room, read, texts};
use crate::browser;
use crate::double_click::Press;
use crate::group_link::GroupLink;
use leptos::prelude::*;
use shared::i18n::fill;
use shared::state::{Participant, Role};
use shared::{Command, ParticipantId};

/// Who has the floor, and whether it is this person.
fn floor_holder(room: Room) -> Memo<Option<(ParticipantId, bool)>> {
    Memo::new(move |_| {
        let me = room.me.get();
        read(room.session, None, |s| {
            s.floor.clone().map(|id| {
                let mine = me.as_ref() == Some(&id);
                (id, mine)
            })
        })
    })
}

/// Whether this person may raise or lower a hand now, by the rights in `shared`.
fn may_raise(room: Room) -> impl Fn() -> bool + Copy {
    move || room.may(&Command::RaiseHand)
}

#[component]
pub fn Floor() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let floor = floor_holder(room);
    let can_take = move || {
        room.may(&Command::TakeFloor {
            from: ParticipantId::from(""),
        })
    };
    view! {
        <section class="panel floor" class:mine=move || floor.get().is_some_and(|(_, mine)| mine)
            aria-labelledby="floor-heading" data-testid="floor">
            <h2 id="floor-heading">{move || t().floor_label}</h2>
            {move || match floor.get() {
                Some((id, mine)) => {
                    let name = room.name_of(&id);
                    view! {
                        {mine.then(|| view! { <p class="your-turn" data-testid="your-turn">{move || t().your_turn}</p> })}
                        <p class="speaker" data-testid="floor-holder">{name}</p>
                        <Show when=can_take>
                            <button
                                type="button"
                                data-testid="take-floor"
                                on:click=move |ev| room.session.move_cursor(Press::of_click(ev.detail()), Command::take_floor)
                            >
                                {move || t().take_floor}
                            </button>
                        </Show>
                    }
                    .into_any()
                }
                None => view! { <p class="muted">{move || t().nobody_has_floor}</p> }.into_any(),
            }}
        </section>
    }
}

/// The raise-or-lower button, wherever it appears.
#[component]
fn HandToggle(testid: &'static str) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let mine_raised = Memo::new(move |_| {
        let me = room.me.get();
        read(room.session, false, |s| {
            me.as_ref().is_some_and(|me| s.has_hand_raised(me))
        })
    });
    view! {
        <button
            type="button"
            class="hand-toggle"
            class:primary=move || !mine_raised.get()
            data-testid=testid
            aria-pressed=move || mine_raised.get().to_string()
            on:click=move |_| {
                room.session.submit(if mine_raised.get_untracked() {
                    Command::LowerHand
                } else {
                    Command::RaiseHand
                })
            }
        >
            {move || if mine_raised.get() { t().lower_hand.to_owned() } else { t().raise_hand.to_owned() }}
        </button>
    }
}

/// On a phone, the step's work fills the screen; the floor and the hand stay one tap
/// away in this bar at the bottom (hidden on wider screens, where the side panels show
/// them).
#[component]
pub fn FloorBar() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let floor = floor_holder(room);
    let can_raise = may_raise(room);
    // The link goes to the facilitator's controls, there when they steer.
    let steers = move || room.steers();
    view! {
        <aside class="floor-bar" class:mine=move || floor.get().is_some_and(|(_, mine)| mine)
            aria-label=move || t().floor_bar_label data-testid="floor-bar">
            <p class="floor-bar-holder">
                {move || match floor.get() {
                    Some((_, true)) => t().your_turn.to_owned(),
                    Some((id, false)) => format!("{}{}{}", t().floor_label, t().colon, room.name_of(&id)),
                    None => t().nobody_has_floor.to_owned(),
                }}
            </p>
            <Show when=can_raise>
                <HandToggle testid="bar-hand-toggle"/>
            </Show>
            <Show when=steers>
                <a class="button small" href="#controls-heading">{move || t().jump_to_controls}</a>
            </Show>
        </aside>
    }
}

#[component]
pub fn Hands() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let hands = Memo::new(move |_| {
        read(room.session, Vec::new(), |s| {
            s.hands
                .iter()
                .map(|h| {
                    let name = s
                        .participant(&h.participant)
                        .map(|p| p.name.clone())
                        .unwrap_or_default();
                    (h.participant.clone(), name)
                })
                .collect::<Vec<_>>()
        })
    });
    let can_raise = may_raise(room);
    view! {
        <section class="panel hands" aria-labelledby="hands-heading" data-testid="hands">
            <h2 id="hands-heading">{move || t().hands_heading}</h2>
            <Show when=can_raise>
                <HandToggle testid="hand-toggle"/>
            </Show>
            {move || {
                let list = hands.get();
                if list.is_empty() {
                    return view! { <p class="muted">{move || t().no_hands}</p> }.into_any();
                }
                view! {
                    <ol class="queue" data-testid="hand-queue">
                        {list
                            .into_iter()
                            .enumerate()
                            .map(|(i, (id, name))| {
                                let label = format!("{} {}", t().give_floor, name);
                                view! {
                                    <li data-testid="hand">
                                        <span class="position">{fill(t().hand_position, &[&(i + 1).to_string()])}</span>
                                        <span class="name">{name}</span>
                                        <Show when={
                                            let give = Command::GiveFloor { participant: id.clone(), from: None };
                                            move || room.may(&give)
                                        }>
                                            <button
                                                type="button"
                                                class="small"
                                                data-testid="give-floor"
                                                aria-label=label.clone()
                                                on:click={
                                                    let id = id.clone();
                                                    move |ev: leptos::ev::MouseEvent| room.session.move_cursor(Press::of_click(ev.detail()), |s| Some(Command::give_floor(s, id.clone())))
                                                }
                                            >
                                                {move || t().give_floor}
                                            </button>
                                        </Show>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
pub fn People() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let people = Memo::new(move |_| read(room.session, Vec::new(), |s| s.participants.clone()));
    view! {
        <section class="panel people" aria-labelledby="people-heading" data-testid="people">
            <h2 id="people-heading">{move || t().people_heading}</h2>
            <ul>
                {move || people.get().into_iter().map(|p| view! { <Person person=p/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Person(person: Participant) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let id: ParticipantId = person.id.clone();
    let is_me = room.me.get_untracked().as_ref() == Some(&id);
    let can_pick = move || {
        // The client is picked among the consultants.
        person.role == Role::Consultant
            && room.may(&Command::PickClient {
                participant: person.id.clone(),
            })
    };
    let name = person.name.clone();
    view! {
        <li class="person" class:away=!person.connected data-testid="person">
            <span class="presence" aria-hidden="true">{if person.connected { "●" } else { "○" }}</span>
            <span class="name">{person.name.clone()}</span>
            {is_me.then(|| view! { <span class="tag">{move || t().you_marker}</span> })}
            <span class="role">{move || t().role_name(person.role)}</span>
            <span class="state">
                {move || if person.connected { t().present } else { t().away }}
                {move || if person.charter_accepted { format!(" · {}", t().charter_ok) } else { format!(" · {}", t().charter_pending) }}
            </span>
            <Show when=can_pick>
                <PickClient id=id.clone() name=name.clone() testid="pick-client"/>
            </Show>
        </li>
    }
}

/// The button that makes `id` the client. In a group's session it also says whether
/// they have been client in the series yet, and picking a past client asks first.
#[component]
pub fn PickClient(id: ParticipantId, name: String, testid: &'static str) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let group = use_context::<GroupLink>();
    let member = id.clone();
    let been_client = Memo::new(move |_| {
        group.and_then(|group| {
            group.group.with(|g| {
                g.as_ref()
                    .filter(|g| g.member(&member).is_some())
                    .map(|g| !g.not_yet_client().contains(&&member))
            })
        })
    });
    let label = format!("{}{}{}", name, t().colon, t().pick_client_button);
    let pick = move |_| {
        let again = been_client.get_untracked() == Some(true);
        if !again || browser::confirm(&fill(t().already_client_confirm, &[&name])) {
            room.session.submit(Command::PickClient {
                participant: id.clone(),
            });
        }
    };
    view! {
        {move || (been_client.get() == Some(false)).then(|| view! {
            <span class="tag" data-testid="not-yet-client">{t().not_yet_client}</span>
        })}
        <button type="button" class="small" data-testid=testid aria-label=label on:click=pick>
            {move || t().pick_client_button}
        </button>
    }
}
