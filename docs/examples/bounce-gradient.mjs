// A gradient through contact from the installed package: a ball dropped from 1 m bounces
// once on the ground (hard impulses, restitution 0.5); how does its height at t = 0.8 s
// change with the drop height and the restitution? Run: node bounce-gradient.mjs
import { gradient, ad } from 'diffcontact';

const scene = {
  dt: 0.001,
  steps: 800,
  contact: { mode: 'hard', restitution: 0.5, friction: 0 },
  bodies: [
    { name: 'ground', shape: { type: 'plane', normal: [0, 0, 1], offset: 0 }, static: true },
    { name: 'ball', shape: { type: 'sphere', radius: 0.1 }, mass: 1, position: [0, 0, 1] },
  ],
};

const { value, grad, kinks } = gradient(scene, {
  wrt: ['ball.position.z', 'contact.restitution'],
  loss: ({ final }) => ad.square(ad.sub(final.ball.position[2], 0.3)), // (z(T) − 0.3 m)²
});
console.log(JSON.stringify({ value, grad, kinks }, null, 2));
